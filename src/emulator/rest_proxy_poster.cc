#include "emulator/rest_proxy_poster.h"

namespace pinpipe::emulator {

RestProxyPoster::RestProxyPoster(std::string api_url, std::string pipeline_id, std::string api_key)
    : api_url_(std::move(api_url)), key_header_(api_key.empty() ? "" : "x-api-key: " + api_key) {
  while (!api_url_.empty() && api_url_.back() == '/') api_url_.pop_back();
  for (TableId t : kAllTables) {
    urls_[static_cast<int>(t)] =
        api_url_ + "/topics/" + pipeline_id + "." + std::string(Schema(t).topic_suffix);
  }
}

std::string RestProxyPoster::Describe() const {
  std::string u = urls_[0];
  return "POST " + u.substr(0, u.size() - 3) + "pin|geo|user";
}

void RestProxyPoster::BuildBody(std::span<const std::string> values, std::string* body) {
  body->assign("{\"records\": [");
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) body->append(", ");
    body->append("{\"value\": ");
    body->append(values[i]);
    body->push_back('}');
  }
  body->append("]}");
}

PostOutcome ClassifyHttp(const Result<HttpResponse>& r) {
  PostOutcome o;
  if (!r) {
    o.retryable = true;
    o.connection_error = r.error().code() == ErrorCode::kUnavailable;
    o.message = r.error().message();
    return o;
  }
  o.status = r->status;
  if (r->status >= 200 && r->status < 300) {
    o.ok = true;
    return o;
  }
  o.retryable = r->status >= 500 || r->status == 429 || r->status == 408;
  std::string body = r->body.substr(0, 300);
  o.message = "HTTP " + std::to_string(r->status) + (body.empty() ? "" : ": " + body);
  // pinpipe's gateway answers a missing or wrong x-api-key with 403 Forbidden.
  if (r->status == 403) o.message += " (a pinpipe server with http.api_key set requires that key: set http.api_key)";
  return o;
}

PostOutcome RestProxyPoster::Post(TableId table, std::span<const std::string> values) {
  BuildBody(values, &body_);
  return ClassifyHttp(
      http_.Request("POST", urls_[static_cast<int>(table)], kKafkaJsonV2, "", body_, 30000, key_header_));
}

}  // namespace pinpipe::emulator
