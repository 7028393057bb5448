// One HTTP exchange over libcurl, with pooled easy handles so connections are kept alive
// between requests. No retries here (the S3 store decides what is retryable).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"

namespace pinpipe::objstore {

struct HttpRequest {
  std::string method;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;
  int connect_timeout_ms = 5000;
  int timeout_ms = 60000;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class HttpTransport {
 public:
  HttpTransport();
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // kUnavailable for transport failures (refused, reset, timeout, empty reply): retryable.
  Result<HttpResponse> Send(const HttpRequest& req);

 private:
  void* Acquire();
  void Release(void* handle);

  Mutex mu_;
  std::vector<void*> idle_ GUARDED_BY(mu_);  // CURL* handles
};

}  // namespace pinpipe::objstore
