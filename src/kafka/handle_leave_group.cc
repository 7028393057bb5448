// LeaveGroup v0-2: the member leaves at once and the others rebalance.
#include "groups/group_coordinator.h"
#include "kafka/broker.h"

namespace pinpipe::kafka {

void HandleLeaveGroup(Broker& b, Request& req, Reply reply) {
  Reader r(req.body);
  std::string group(r.String(false));
  std::string member(r.String(false));
  if (r.failed()) return reply.Close();
  std::string body;
  Writer w(body);
  if (req.header.api_version >= 1) w.I32(0);
  w.I16(b.groups().Leave(group, member));
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
