#include "cli/rest_client.h"

#include "common/json_writer.h"

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

RestClient::RestClient(std::string api_url) : api_(std::move(api_url)) {
  while (!api_.empty() && api_.back() == '/') api_.pop_back();
}

std::string JsonQuote(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

Result<std::string> RestClient::Call(std::string_view method, const std::string& path,
                                     std::string_view body, long timeout_ms,
                                     std::string_view content_type, std::string_view extra_header) {
  auto r = http_.Request(method, api_ + path, body.empty() ? "" : content_type, kV2, body,
                         timeout_ms, extra_header);
  if (!r) {
    return MakeError(r.error().code(), "cannot reach the server at " + api_ + ": " +
                                           r.error().message() +
                                           "; is `pinpipe serve` running? (--api URL, --port)");
  }
  if (r->status >= 200 && r->status < 300) return std::move(r->body);
  ErrorCode code = r->status == 404   ? ErrorCode::kNotFound
                   : r->status < 500 ? ErrorCode::kInvalidArgument
                                     : ErrorCode::kUnavailable;
  return MakeError(code, std::string(method) + " " + path + ": HTTP " + std::to_string(r->status) +
                             ": " + ServerMessage(r->body));
}

Result<std::string> RestClient::PostUi(const std::string& path, std::string_view json_body) {
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
  auto json = GetJson("/topics/" + topic);
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
  PINPIPE_ASSIGN_OR_RETURN(auto json, GetJson("/topics/" + topic + "/partitions/" +
                                              std::to_string(partition) + "/offsets"));
  Offsets o;
  if (const auto* b = json.Find("beginning_offset"); b && b->as_int()) o.beginning = *b->as_int();
  if (const auto* e = json.Find("end_offset"); e && e->as_int()) o.end = *e->as_int();
  return o;
}

}  // namespace pinpipe::cli
