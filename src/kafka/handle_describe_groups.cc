// DescribeGroups v0-2: state, protocol and members (with their metadata and assignment). A group
// the coordinator does not know is "Dead" (or "Empty" when it has committed offsets).
#include <vector>

#include "groups/group_coordinator.h"
#include "kafka/broker.h"
#include "kafka/errors.h"
#include "log/log_manager.h"
#include "log/offset_store.h"

namespace pinpipe::kafka {

void HandleDescribeGroups(Broker& b, Request& req, Reply reply) {
  Reader r(req.body);
  std::vector<std::string> names;
  int32_t n = r.ArrayLength(false);
  for (int32_t i = 0; i < n && !r.failed(); ++i) names.emplace_back(r.String(false));
  if (r.failed()) return reply.Close();
  std::string body;
  Writer w(body);
  if (req.header.api_version >= 1) w.I32(0);
  w.ArrayLength(static_cast<int32_t>(names.size()), false);
  for (const auto& name : names) {
    groups::GroupDescription d = b.groups().Describe(name);
    if (d.state == "Dead" && !b.log().offsets().FetchAll(name).empty()) {
      d.state = "Empty";
      d.protocol_type = "consumer";
    }
    w.I16(name.empty() ? err::kInvalidGroupId : err::kNone);
    w.String(d.group_id, false);
    w.String(d.state, false);
    w.String(d.protocol_type, false);
    w.String(d.protocol, false);
    w.ArrayLength(static_cast<int32_t>(d.members.size()), false);
    for (const auto& m : d.members) {
      w.String(m.member_id, false);
      w.String(m.client_id, false);
      w.String(m.client_host, false);
      w.Bytes(m.metadata, false);
      w.Bytes(m.assignment, false);
    }
  }
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
