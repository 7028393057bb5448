// ListOffsets v0-2 (kafka.md §2.8): -2 = earliest (log start), -1 = latest (high watermark),
// any other timestamp = the first offset whose batch's max timestamp is >= it (-1 if none).
// v0 answers with a one-element offsets array. Runs on the executor: a timestamp lookup scans
// batch headers.
#include "kafka/broker.h"
#include "kafka/errors.h"
#include "log/log_manager.h"

namespace pinpipe::kafka {

void HandleListOffsets(Broker& b, Request& req, Reply reply) {
  const int16_t v = req.header.api_version;
  Reader r(req.body);
  r.I32();  // replica_id
  if (v >= 2) r.I8();  // isolation_level
  std::string body;
  Writer w(body);
  if (v >= 2) w.I32(0);
  int32_t nt = r.ArrayLength(false);
  w.ArrayLength(std::max(nt, 0), false);
  for (int32_t i = 0; i < nt && !r.failed(); ++i) {
    std::string_view topic = r.String(false);
    w.String(topic, false);
    int32_t np = r.ArrayLength(false);
    w.ArrayLength(std::max(np, 0), false);
    for (int32_t j = 0; j < np && !r.failed(); ++j) {
      int32_t partition = r.I32();
      int64_t ts = r.I64();
      if (v == 0) r.I32();  // max_num_offsets
      int16_t code = err::kNone;
      int64_t offset = -1;
      auto found = b.log().OffsetForTimestamp(topic, partition, ts);
      if (found) {
        offset = *found;
      } else {
        code = err::kUnknownTopicOrPartition;
      }
      w.I32(partition);
      w.I16(code);
      if (v == 0) {
        w.ArrayLength(code == err::kNone && offset >= 0 ? 1 : 0, false);
        if (code == err::kNone && offset >= 0) w.I64(offset);
      } else {
        w.I64(-1);  // timestamp of the found record: not tracked
        w.I64(offset);
      }
    }
  }
  if (r.failed()) return reply.Close();
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
