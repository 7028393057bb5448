// ListGroups v0-2: the coordinator's groups, and the groups that only have committed offsets
// (REST Proxy consumers' groups, groups whose members all left), as Empty groups.
#include <set>

#include "groups/group_coordinator.h"
#include "kafka/broker.h"
#include "kafka/errors.h"
#include "log/log_manager.h"
#include "log/offset_store.h"

namespace pinpipe::kafka {

void HandleListGroups(Broker& b, Request& req, Reply reply) {
  auto live = b.groups().List();
  std::set<std::string> seen;
  for (const auto& g : live) seen.insert(g.group_id);
  for (auto& name : b.log().offsets().Groups()) {
    if (!seen.contains(name)) live.push_back({name, "consumer", "Empty"});
  }
  std::string body;
  Writer w(body);
  if (req.header.api_version >= 1) w.I32(0);
  w.I16(err::kNone);
  w.ArrayLength(static_cast<int32_t>(live.size()), false);
  for (const auto& g : live) {
    w.String(g.group_id, false);
    w.String(g.protocol_type, false);
  }
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
