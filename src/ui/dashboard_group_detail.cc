// The consumer group detail document: who is in the group and which partitions each member
// was assigned (the coordinator's SyncGroup assignments), and per partition the lag in
// records and in time (the age of the oldest unconsumed record, read from the log now).
#include <chrono>
#include <map>

#include "log/offset_store.h"
#include "ui/api_json.h"
#include "ui/dashboard.h"
#include "ui/record_age.h"

namespace pinpipe::ui {

http::Response Dashboard::GroupDetail(std::string group) {
  const int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::vector<GroupMemberInfo> members;
  if (hooks_.group_assignments) members = hooks_.group_assignments(group);
  std::map<std::pair<std::string, int32_t>, const GroupMemberInfo*> owner;
  for (const auto& m : members) {
    for (const auto& tp : m.partitions) owner[tp] = &m;
  }
  auto committed = log_.offsets().FetchAll(group);
  std::vector<std::string> described;
  if (hooks_.group_members) described = hooks_.group_members(group);
  if (committed.empty() && members.empty() && described.empty()) {
    return http::Response::Json(404, "{\"message\":\"no such consumer group\"}");
  }
  JsonWriter w;
  w.BeginObject().Field("group", std::string_view(group)).Key("time").Int(now);
  w.Key("members").BeginArray();
  for (const auto& m : members) {
    w.BeginObject().Field("kind", std::string_view(m.kind)).Field("member_id", std::string_view(m.member_id));
    w.Field("client_id", std::string_view(m.client_id)).Field("host", std::string_view(m.host));
    w.Key("partitions").BeginArray();
    for (const auto& [t, p] : m.partitions) w.BeginObject().Field("topic", std::string_view(t)).Field("partition", p).EndObject();
    w.EndArray().EndObject();
  }
  w.EndArray();
  // Every live member as a sentence (REST instances without a coordinator membership too).
  w.Key("described").BeginArray();
  for (const auto& d : described) w.String(d);
  w.EndArray();
  int64_t total_lag = 0, max_lag_ms = 0;
  w.Key("partitions").BeginArray();
  for (const auto& [topic, part, c] : committed) {
    auto info = log_.GetPartitionInfo(topic, part);
    const int64_t hwm = info ? info->high_watermark : 0;
    const int64_t lag = std::max<int64_t>(0, hwm - c.offset);
    total_lag += lag;
    w.BeginObject().Field("topic", std::string_view(topic)).Field("partition", part);
    w.Key("committed").Int(c.offset).Key("high_watermark").Int(hwm).Key("lag").Int(lag);
    // Lag in time: now − the timestamp of the record at the committed offset; 0 when caught
    // up; null when the record cannot be read (e.g. removed by retention).
    w.Key("lag_ms");
    if (auto ms = LagMs(log_, topic, part, c.offset, now)) {
      w.Int(*ms);
      max_lag_ms = std::max(max_lag_ms, *ms);
    } else {
      w.Null();
    }
    w.Key("assigned_to");
    if (auto it = owner.find({topic, part}); it != owner.end()) {
      w.String(it->second->member_id);
    } else {
      w.Null();
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("lag").Int(total_lag).Key("lag_ms").Int(max_lag_ms).EndObject();
  return http::Response::Json(200, w.Take());
}

}  // namespace pinpipe::ui
