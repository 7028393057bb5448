// HttpClient: a blocking HTTP/1.1 client on one libcurl easy handle, so consecutive
// requests reuse the keep-alive connection. One per thread.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace pinpipe::emulator {

struct HttpResponse {
  long status = 0;
  std::string body;
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Connection failures are kUnavailable, timeouts kTimeout; any HTTP status is a
  // response. Empty content_type/accept: header not sent.
  Result<HttpResponse> Request(std::string_view method, const std::string& url,
                               std::string_view content_type, std::string_view accept,
                               std::string_view body, long timeout_ms = 30000,
                               std::string_view extra_header = "");  // "Name: value" lines, '\n' between

 private:
  void* curl_;  // CURL*
  std::string response_;
};

}  // namespace pinpipe::emulator
