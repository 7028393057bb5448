// Heartbeat v0-2: keeps a member's session; REBALANCE_IN_PROGRESS tells it to rejoin.
#include "groups/group_coordinator.h"
#include "kafka/broker.h"

namespace pinpipe::kafka {

void HandleHeartbeat(Broker& b, Request& req, Reply reply) {
  Reader r(req.body);
  std::string group(r.String(false));
  int32_t generation = r.I32();
  std::string member(r.String(false));
  if (r.failed()) return reply.Close();
  std::string body;
  Writer w(body);
  if (req.header.api_version >= 1) w.I32(0);
  w.I16(b.groups().Heartbeat(group, generation, member));
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
