// DeleteGroups v0-3 (v2+ flexible; v3 adds a message per group): each group is deleted through
// groups::DeleteGroup — refused while it has members (Kafka consumers or REST Proxy consumer
// instances), GROUP_ID_NOT_FOUND when nothing is known of it, otherwise the coordinator
// forgets it and its committed offsets leave the shared offset store (fsynced before the
// answer). Runs on the executor.
#include <string>
#include <vector>

#include "groups/group_admin.h"
#include "kafka/broker.h"
#include "kafka/errors.h"
#include "log/log_manager.h"

namespace pinpipe::kafka {

void HandleDeleteGroups(Broker& b, Request& req, Reply reply) {
  const int16_t v = req.header.api_version;
  const bool flex = req.header.flexible;
  Reader r(req.body);
  std::vector<std::string> names;
  int32_t n = r.ArrayLength(flex);
  for (int32_t i = 0; i < n && !r.failed(); ++i) names.emplace_back(r.String(flex));
  if (flex) r.SkipTaggedFields();
  if (r.failed()) return reply.Close();

  std::string body;
  Writer w(body);
  w.I32(0);  // throttle_time_ms
  w.ArrayLength(static_cast<int32_t>(names.size()), flex);
  for (const auto& name : names) {
    groups::GroupDeletion d =
        groups::DeleteGroup(b.groups(), b.log().offsets(), name, b.other_group_members());
    w.String(name, flex);
    w.I16(d.error);
    if (v >= 3) {
      w.NullableString(d.error == err::kNone ? std::nullopt
                                             : std::optional<std::string_view>(d.message),
                       flex);
    }
    if (flex) w.EmptyTaggedFields();
  }
  if (flex) w.EmptyTaggedFields();
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
