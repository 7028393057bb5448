// JoinGroup v0-2: parked in the group coordinator until the join round ends (no thread held).
// Below v4 no MEMBER_ID_REQUIRED round trip: a new member gets its id in the answer.
#include <memory>

#include "groups/group_coordinator.h"
#include "kafka/broker.h"

namespace pinpipe::kafka {

void HandleJoinGroup(Broker& b, Request& req, Reply reply) {
  const int16_t v = req.header.api_version;
  Reader r(req.body);
  groups::JoinRequest jr;
  jr.group_id = std::string(r.String(false));
  jr.session_timeout_ms = r.I32();
  jr.rebalance_timeout_ms = v >= 1 ? r.I32() : -1;
  jr.member_id = std::string(r.String(false));
  jr.protocol_type = std::string(r.String(false));
  int32_t n = r.ArrayLength(false);
  for (int32_t i = 0; i < n && !r.failed(); ++i) {
    std::string name(r.String(false));
    auto meta = r.Bytes(false);
    jr.protocols.emplace_back(std::move(name), std::string(meta.value_or("")));
  }
  if (r.failed()) return reply.Close();
  jr.client_id = std::string(req.header.client_id.value_or(""));
  jr.client_host = req.client_host;
  b.groups().Join(std::move(jr), [v, reply = std::move(reply)](groups::JoinResult res) mutable {
    std::string body;
    Writer w(body);
    if (v >= 2) w.I32(0);
    w.I16(res.error);
    w.I32(res.generation);
    w.String(res.protocol, false);
    w.String(res.leader, false);
    w.String(res.member_id, false);
    w.ArrayLength(static_cast<int32_t>(res.members.size()), false);
    for (const auto& [id, meta] : res.members) {
      w.String(id, false);
      w.Bytes(meta, false);
    }
    reply.Send(std::move(body));
  });
}

}  // namespace pinpipe::kafka
