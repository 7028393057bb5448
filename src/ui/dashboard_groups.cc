// The dashboard's operations (on the work pool): the consumer-group offset reset with a dry
// run, and the sink connector's pause / resume / restart.
#include <simdjson.h>

#include "common/json_writer.h"
#include "log/offset_store.h"
#include "ui/dashboard.h"
#include "ui/error_response.h"
#include "ui/offset_reset.h"

namespace pinpipe::ui {
namespace {


}  // namespace

http::Response Dashboard::ResetOffsets(std::string group, std::string body) {
  if (group.empty() || group.size() > log::kMaxGroupBytes) return ErrorResponse(400, "bad group name");
  auto req = ParseResetRequest(body);
  if (!req) return ErrorResponse(400, req.error().message());
  // Kafka's tool refuses too: a live consumer would overwrite the reset with its next commit.
  auto refuse_if_active = [&]() -> std::optional<http::Response> {
    if (!hooks_.group_members) return std::nullopt;
    auto members = hooks_.group_members(group);
    if (members.empty()) return std::nullopt;
    std::string list;
    for (const auto& m : members) list += (list.empty() ? "" : ", ") + m;
    JsonWriter w;
    w.BeginObject()
        .Field("message", "consumer group '" + group + "' has " + std::to_string(members.size()) +
                              " active member(s); stop them (or delete the REST consumer instances) before "
                              "resetting its offsets: " + list)
        .Key("members")
        .BeginArray();
    for (const auto& m : members) w.String(m);
    w.EndArray().EndObject();
    return http::Response::Json(409, w.Take());
  };
  if (auto refused = refuse_if_active()) return std::move(*refused);
  auto plan = PlanReset(log_, group, *req);
  if (!plan) return ErrorResponse(HttpStatusOf(plan.error()), plan.error().message());
  bool executed = false;
  if (!req->dry_run) {
    if (auto refused = refuse_if_active()) return std::move(*refused);  // joined meanwhile
    if (auto st = ExecuteReset(log_.offsets(), group, *plan); !st) {
      return ErrorResponse(st.error().code() == ErrorCode::kInvalidArgument ? 400 : 500, st.error().message());
    }
    executed = true;
  }
  return http::Response::Json(200, ResetPlanJson(group, *req, *plan, executed));
}

http::Response Dashboard::SinkControl(std::string action, std::string body) {
  if (!hooks_.sink_control) return ErrorResponse(503, "the sink connector does not run in this process");
  if (action != "pause" && action != "resume" && action != "restart" && action != "restart-task") {
    return ErrorResponse(404, "no sink action " + action);
  }
  bool include_tasks = false, only_failed = false;
  int64_t task = -1;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (!body.empty() && parser.parse(body).get(doc) == simdjson::SUCCESS && doc.is_object()) {
    if (bool b; doc["include_tasks"].get_bool().get(b) == simdjson::SUCCESS) include_tasks = b;
    if (bool b; doc["only_failed"].get_bool().get(b) == simdjson::SUCCESS) only_failed = b;
    if (int64_t t; doc["task"].get_int64().get(t) == simdjson::SUCCESS) task = t;
  }
  auto r = hooks_.sink_control(action, include_tasks, only_failed, task);
  if (!r) return ErrorResponse(r.error().code() == ErrorCode::kNotFound ? 404 : 400, r.error().message());
  return http::Response::Json(202, std::move(*r));
}

}  // namespace pinpipe::ui
