// OffsetForLeaderEpoch v3-4 (Kafka's OffsetForLeaderEpochRequest/Response.json; v4 flexible):
// the end offset of a leader epoch, which a consumer uses to validate its position after a
// leader change (KIP-320) — it moves to the answered end offset when that is below its
// position ("truncation"), as after a topic was deleted and created again under its name.
// pinpipe has one epoch per partition (kLeaderEpoch), starting at offset 0, so Kafka's
// LeaderEpochFileCache answers reduce to: the current epoch → (epoch, high watermark); a later
// epoch or UNDEFINED (-1) → (-1, -1); an earlier one → (it, log start offset). The high
// watermark is what the log end is to a reader here (ListOffsets' latest; no follower waits).
// current_leader_epoch fences as in Fetch: below → FENCED_LEADER_EPOCH, above →
// UNKNOWN_LEADER_EPOCH. Runs on the reactor: the offsets are in memory.
#include "kafka/broker.h"
#include "kafka/errors.h"
#include "log/log_manager.h"

namespace pinpipe::kafka {

void HandleOffsetForLeaderEpoch(Broker& b, Request& req, Reply reply) {
  const int16_t v = req.header.api_version;
  const bool flex = v >= 4;
  Reader r(req.body);
  if (v >= 3) r.I32();  // replica_id: -1 for a consumer
  std::string body;
  Writer w(body);
  w.I32(0);  // throttle_time_ms
  int32_t nt = r.ArrayLength(flex);
  w.ArrayLength(std::max(nt, 0), flex);
  for (int32_t i = 0; i < nt && !r.failed(); ++i) {
    std::string_view topic = r.String(flex);
    w.String(topic, flex);
    int32_t np = r.ArrayLength(flex);
    w.ArrayLength(std::max(np, 0), flex);
    for (int32_t j = 0; j < np && !r.failed(); ++j) {
      const int32_t partition = r.I32();
      const int32_t current = r.I32();  // current_leader_epoch (v2+)
      const int32_t epoch = r.I32();
      if (flex) r.SkipTaggedFields();
      int16_t code = err::kNone;
      int32_t end_epoch = -1;
      int64_t end_offset = -1;
      auto hw = b.log().OffsetForTimestamp(topic, partition, -1);  // no disk access for -1/-2
      if (!hw) {
        code = err::kUnknownTopicOrPartition;
      } else if (current != -1 && current != kLeaderEpoch) {
        code = current < kLeaderEpoch ? err::kFencedLeaderEpoch : err::kUnknownLeaderEpoch;
      } else if (epoch == kLeaderEpoch) {
        end_epoch = epoch;
        end_offset = *hw;
      } else if (epoch < kLeaderEpoch && epoch != -1) {
        end_epoch = epoch;  // before the first epoch: it ends where the first one starts
        end_offset = b.log().OffsetForTimestamp(topic, partition, -2).value_or(0);
      }
      w.I16(code);
      w.I32(partition);
      w.I32(end_epoch);
      w.I64(end_offset);
      if (flex) w.EmptyTaggedFields();
    }
    if (flex) r.SkipTaggedFields();
    if (flex) w.EmptyTaggedFields();
  }
  if (flex) r.SkipTaggedFields();
  if (r.failed()) return reply.Close();
  if (flex) w.EmptyTaggedFields();
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
