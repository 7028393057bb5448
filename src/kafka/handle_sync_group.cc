// SyncGroup v0-2: the leader's assignments are handed to every member; a follower's request is
// parked until the leader's arrives.
#include "groups/group_coordinator.h"
#include "kafka/broker.h"

namespace pinpipe::kafka {

void HandleSyncGroup(Broker& b, Request& req, Reply reply) {
  const int16_t v = req.header.api_version;
  Reader r(req.body);
  std::string group(r.String(false));
  int32_t generation = r.I32();
  std::string member(r.String(false));
  std::vector<std::pair<std::string, std::string>> assignments;
  int32_t n = r.ArrayLength(false);
  for (int32_t i = 0; i < n && !r.failed(); ++i) {
    std::string id(r.String(false));
    auto a = r.Bytes(false);
    assignments.emplace_back(std::move(id), std::string(a.value_or("")));
  }
  if (r.failed()) return reply.Close();
  b.groups().Sync(group, generation, member, std::move(assignments),
                  [v, reply = std::move(reply)](groups::SyncResult res) mutable {
                    std::string body;
                    Writer w(body);
                    if (v >= 1) w.I32(0);
                    w.I16(res.error);
                    w.Bytes(res.assignment, false);
                    reply.Send(std::move(body));
                  });
}

}  // namespace pinpipe::kafka
