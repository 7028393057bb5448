// The dashboard's consumer-group actions (on the work pool): the offset reset with a dry run.
#include "common/json_writer.h"
#include "log/offset_store.h"
#include "ui/dashboard.h"
#include "ui/offset_reset.h"

namespace pinpipe::ui {
namespace {

http::Response Error(int status, std::string_view message) {
  JsonWriter w;
  w.BeginObject().Field("message", message).EndObject();
  return http::Response::Json(status, w.Take());
}

int StatusFor(const pinpipe::Error& e) {
  return e.code() == ErrorCode::kNotFound ? 404 : e.code() == ErrorCode::kInvalidArgument ? 400 : 500;
}

}  // namespace

http::Response Dashboard::ResetOffsets(std::string group, std::string body) {
  if (group.empty() || group.size() > log::kMaxGroupBytes) return Error(400, "bad group name");
  auto req = ParseResetRequest(body);
  if (!req) return Error(400, req.error().message());
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
  if (!plan) return Error(StatusFor(plan.error()), plan.error().message());
  bool executed = false;
  if (!req->dry_run) {
    if (auto refused = refuse_if_active()) return std::move(*refused);  // joined meanwhile
    if (auto st = ExecuteReset(log_.offsets(), group, *plan); !st) {
      return Error(st.error().code() == ErrorCode::kInvalidArgument ? 400 : 500, st.error().message());
    }
    executed = true;
  }
  return http::Response::Json(200, ResetPlanJson(group, *req, *plan, executed));
}

}  // namespace pinpipe::ui
