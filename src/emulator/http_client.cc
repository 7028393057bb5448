#include "emulator/http_client.h"

#include <curl/curl.h>

#include <mutex>

namespace pinpipe::emulator {
namespace {

size_t Collect(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

HttpClient::HttpClient() {
  GlobalInit();
  curl_ = curl_easy_init();
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

Result<HttpResponse> HttpClient::Request(std::string_view method, const std::string& url,
                                         std::string_view content_type, std::string_view accept,
                                         std::string_view body, long timeout_ms, std::string_view extra_header) {
  CURL* c = static_cast<CURL*>(curl_);
  if (!c) return MakeError(ErrorCode::kInternal, "curl_easy_init failed");
  curl_easy_reset(c);  // keeps the connection cache
  const std::string m(method);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m.c_str());
  if (m == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (m != "DELETE" || !body.empty()) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_slist* headers = nullptr;
  std::string ct, ac;
  if (!content_type.empty()) {
    ct = "Content-Type: " + std::string(content_type);
    headers = curl_slist_append(headers, ct.c_str());
  }
  if (!accept.empty()) {
    ac = "Accept: " + std::string(accept);
    headers = curl_slist_append(headers, ac.c_str());
  }
  for (std::string_view rest = extra_header; !rest.empty();) {
    const size_t nl = rest.find('\n');
    const std::string line(rest.substr(0, nl));
    if (!line.empty()) headers = curl_slist_append(headers, line.c_str());
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  }
  // No "Expect: 100-continue" round trip for bodies over 1 KiB.
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  response_.clear();
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response_);
  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    const ErrorCode code = rc == CURLE_OPERATION_TIMEDOUT ? ErrorCode::kTimeout
                                                          : ErrorCode::kUnavailable;
    return MakeError(code, m + " " + url + ": " + curl_easy_strerror(rc));
  }
  HttpResponse out;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
  out.body.swap(response_);
  return out;
}

}  // namespace pinpipe::emulator
