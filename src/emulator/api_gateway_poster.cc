#include "emulator/api_gateway_poster.h"

#include "emulator/json_value.h"
#include "emulator/rest_proxy_poster.h"

namespace pinpipe::emulator {

ApiGatewayStreamPoster::ApiGatewayStreamPoster(std::string api_url, std::string pipeline_id, std::string api_key)
    : key_header_(api_key.empty() ? "" : "x-api-key: " + api_key) {
  while (!api_url.empty() && api_url.back() == '/') api_url.pop_back();
  for (TableId t : kAllTables) {
    streams_[static_cast<int>(t)] = StreamName(pipeline_id, t);
    urls_[static_cast<int>(t)] = api_url + "/streams/" + streams_[static_cast<int>(t)] + "/record";
  }
}

std::string ApiGatewayStreamPoster::StreamName(std::string_view pipeline_id, TableId table) {
  return "streaming-" + std::string(pipeline_id) + "-" + std::string(Schema(table).topic_suffix);
}

std::string ApiGatewayStreamPoster::Describe() const {
  const std::string& u = urls_[0];
  auto pin = u.rfind("-pin/record");
  return "PUT " + u.substr(0, pin) + "-pin|geo|user/record";
}

void ApiGatewayStreamPoster::BuildBody(std::string_view stream, TableId table, std::string_view value,
                                       std::string* body) {
  // json.dumps({"StreamName": ..., "Data": row, "PartitionKey": "partition-N"})
  body->assign("{\"StreamName\": \"");
  body->append(stream);
  body->append("\", \"Data\": ");
  body->append(value);
  body->append(", \"PartitionKey\": \"partition-");
  body->push_back(static_cast<char>('1' + static_cast<int>(table)));
  body->append("\"}");
}

PostOutcome ApiGatewayStreamPoster::Classify(const Result<HttpResponse>& r) {
  PostOutcome o = ClassifyHttp(r);
  if (!o.ok || r->body.find("\"__type\"") == std::string::npos) return o;
  auto body = JsonValue::Parse(r->body);
  const JsonValue* type = body ? body->Find("__type") : nullptr;
  if (!type || !type->is_string()) return o;
  std::string t = type->text();
  const JsonValue* msg = body->Find("message");
  o.ok = false;
  o.retryable = t == "ProvisionedThroughputExceededException" || t == "InternalFailure" ||
                t == "ServiceUnavailable" || t == "LimitExceededException";
  o.message = t + (msg && msg->is_string() ? ": " + msg->text() : "");
  if (t == "ResourceNotFoundException") {
    o.message += " (create the streams with `pinpipe streams create`, or turn kinesis.auto_create on)";
  }
  return o;
}

PostOutcome ApiGatewayStreamPoster::Post(TableId table, std::span<const std::string> values) {
  // One PUT per row, as the original (…/records would store the rows differently: the facade's
  // two templates differ, protocols.md §3).
  PostOutcome last;
  last.ok = true;
  for (const std::string& v : values) {
    BuildBody(streams_[static_cast<int>(table)], table, v, &body_);
    last = Classify(http_.Request("PUT", urls_[static_cast<int>(table)], "application/json", "", body_, 30000, key_header_));
    if (!last.ok) return last;
  }
  return last;
}

}  // namespace pinpipe::emulator
