#include "cli/rest_client.h"

#include "cli/cli_context.h"
#include "common/config.h"
#include "common/json_writer.h"
#include "http/request.h"

namespace pinpipe::cli {
namespace {

constexpr std::string_view kV2 = "application/vnd.kafka.v2+json";

std::string ServerMessage(const std::string& body) {
  auto json = emulator::JsonValue::Parse(body);
  if (json && json->is_object()) {
    if (const auto* m = json->Find("message"); m && m->is_string()) return m->text();
  }
  return body.substr(0, 300);
}

}  // namespace

RestClient::RestClient(std::string api_url, std::string api_key) : api_(std::move(api_url)) {
  while (!api_.empty() && api_.back() == '/') api_.pop_back();
  if (!api_key.empty()) key_header_ = "x-api-key: " + api_key;
}

RestClient ClientFor(const CliContext& ctx, const Config& cfg) {
  return RestClient(ctx.ServerUrl(cfg), cfg.GetString("http.api_key"));
}

std::string PathSegment(std::string_view s) { return http::PercentEncodeSegment(s); }

std::string JsonQuote(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

Result<std::string> RestClient::Call(std::string_view method, const std::string& path,
                                     std::string_view body, long timeout_ms,
                                     std::string_view content_type, std::string_view extra_header) {
  // The caller's header and the API key: one header line each.
  std::string headers(extra_header);
  if (!key_header_.empty()) headers += (headers.empty() ? "" : "\n") + key_header_;
  auto r = http_.Request(method, api_ + path, body.empty() ? "" : content_type, kV2, body,
                         timeout_ms, headers);
  if (!r) {
    return MakeError(r.error().code(), "cannot reach the server at " + api_ + ": " +
                                           r.error().message() +
                                           "; is `pinpipe serve` running? (--api URL, --port)");
  }
  if (r->status >= 200 && r->status < 300) return std::move(r->body);
  if (r->status == 401 || r->status == 403) {
    // The gateway answers 403 "Forbidden" to a missing or wrong x-api-key; say which setting
    // holds the key this side sends.
    const std::string msg = ServerMessage(r->body);
    if (msg == "Forbidden" || msg.find("api_key") != std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument,
                       std::string(method) + " " + path + ": HTTP " + std::to_string(r->status) + ": " + msg +
                           (key_header_.empty()
                                ? "; the server at " + api_ + " requires an API key: set http.api_key "
                                  "(pinpipe.toml, PINPIPE_HTTP_API_KEY or --set http.api_key=KEY)"
                                : "; the server at " + api_ + " refused the API key of http.api_key"));
    }
  }
  ErrorCode code = r->status == 404   ? ErrorCode::kNotFound
                   : r->status < 500 ? ErrorCode::kInvalidArgument
                                     : ErrorCode::kUnavailable;
  return MakeError(code, std::string(method) + " " + path + ": HTTP " + std::to_string(r->status) +
                             ": " + ServerMessage(r->body));
}

Result<std::string> RestClient::PostUi(const std::string& path, std::string_view json_body) {
  if (!key_header_.empty()) return Call("POST", path, json_body, 120000, "application/json");
  if (csrf_.empty()) {
    auto session = GetJson("/ui/api/session");
    if (!session) {
      if (session.error().code() == ErrorCode::kNotFound) {
        return MakeError(ErrorCode::kUnavailable, "the server at " + api_ +
                                                      " does not run the dashboard's API (ui.enabled = false)");
      }
      return std::unexpected(session.error());
    }
    if (const auto* t = session->Find("csrf"); t && t->is_string()) csrf_ = t->text();
  }
  return Call("POST", path, json_body, 120000, "application/json", "x-csrf-token: " + csrf_);
}

Result<emulator::JsonValue> RestClient::GetJson(const std::string& path) {
  PINPIPE_ASSIGN_OR_RETURN(std::string body, Call("GET", path));
  return emulator::JsonValue::Parse(body);
}

Result<std::vector<int>> RestClient::Partitions(const std::string& topic) {
  auto json = GetJson("/topics/" + PathSegment(topic));
  if (!json) {
    if (json.error().code() == ErrorCode::kNotFound) {
      return MakeError(ErrorCode::kNotFound, "topic '" + topic + "' does not exist on " + api_ +
                                                 " (`pinpipe topics list` lists them)");
    }
    return std::unexpected(json.error());
  }
  std::vector<int> parts;
  if (const auto* p = json->Find("partitions"); p && p->is_array()) {
    for (const auto& item : p->items()) {
      if (const auto* id = item.Find("partition"); id && id->as_int()) {
        parts.push_back(static_cast<int>(*id->as_int()));
      }
    }
  }
  return parts;
}

Result<RestClient::Offsets> RestClient::PartitionOffsets(const std::string& topic, int partition) {
  PINPIPE_ASSIGN_OR_RETURN(auto json, GetJson("/topics/" + PathSegment(topic) + "/partitions/" +
                                              std::to_string(partition) + "/offsets"));
  Offsets o;
  if (const auto* b = json.Find("beginning_offset"); b && b->as_int()) o.beginning = *b->as_int();
  if (const auto* e = json.Find("end_offset"); e && e->as_int()) o.end = *e->as_int();
  return o;
}

}  // namespace pinpipe::cli
