// OffsetFetch v1-5: committed offsets from the log's offset store (shared with the REST Proxy's
// consumers); -1 with no error for a partition nothing was committed for. v2+: a null topic
// list asks for every committed offset of the group (kafka-consumer-groups --describe) and the
// answer ends with a group-level error code; v3 adds the throttle time first; v4 is v3; v5
// adds each offset's committed leader epoch. The store keeps no epoch, and every record here
// is in the one epoch (kLeaderEpoch), so a committed offset answers it (-1 with none): Kafka
// 4.4's consumer then validates the position with OffsetForLeaderEpoch (KIP-320) as it does
// on Kafka — which is how one past the end of a topic deleted and created again under its
// name moves to the new end instead of OFFSET_OUT_OF_RANGE.
#include <map>
#include <vector>

#include "kafka/broker.h"
#include "kafka/errors.h"
#include "log/log_manager.h"
#include "log/offset_store.h"

namespace pinpipe::kafka {

void HandleOffsetFetch(Broker& b, Request& req, Reply reply) {
  const int16_t v = req.header.api_version;
  Reader r(req.body);
  std::string group(r.String(false));
  // topic -> partitions asked for, in request order.
  std::vector<std::pair<std::string, std::vector<int32_t>>> wanted;
  int32_t nt = r.ArrayLength(false);
  if (nt < 0 && v < 2) r.Fail();
  for (int32_t i = 0; i < nt && !r.failed(); ++i) {
    wanted.emplace_back(std::string(r.String(false)), std::vector<int32_t>{});
    int32_t np = r.ArrayLength(false);
    for (int32_t j = 0; j < np && !r.failed(); ++j) wanted.back().second.push_back(r.I32());
  }
  if (r.failed()) return reply.Close();
  auto& store = b.log().offsets();
  if (nt < 0) {
    std::map<std::string, std::vector<int32_t>> all;
    for (const auto& [topic, partition, committed] : store.FetchAll(group)) {
      if (committed.offset >= 0) all[topic].push_back(partition);
    }
    for (auto& [topic, partitions] : all) wanted.emplace_back(topic, std::move(partitions));
  }
  std::string body;
  Writer w(body);
  if (v >= 3) w.I32(0);
  w.ArrayLength(static_cast<int32_t>(wanted.size()), false);
  for (const auto& [topic, partitions] : wanted) {
    w.String(topic, false);
    w.ArrayLength(static_cast<int32_t>(partitions.size()), false);
    for (int32_t partition : partitions) {
      auto c = store.Fetch(group, topic, partition);
      w.I32(partition);
      w.I64(c ? c->offset : -1);
      if (v >= 5) w.I32(c && c->offset >= 0 ? kLeaderEpoch : -1);  // committed_leader_epoch
      w.NullableString(c ? std::optional<std::string_view>(c->metadata) : std::string_view(), false);
      w.I16(err::kNone);
    }
  }
  if (v >= 2) w.I16(err::kNone);
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
