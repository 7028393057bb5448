#include "ui/record_age.h"

#include <algorithm>

#include "log/record_batch.h"

namespace pinpipe::ui {

std::optional<int64_t> RecordTimeAt(const log::LogManager& log, const std::string& topic, int32_t partition,
                                    int64_t offset) {
  auto info = log.GetPartitionInfo(topic, partition);
  if (!info) return std::nullopt;
  offset = std::max(offset, info->log_start_offset);
  std::string buf;
  // A few tries: a damaged range the log skips moves `offset` forward.
  for (int i = 0; i < 4 && offset < info->high_watermark; ++i) {
    buf.clear();
    auto rr = log.Read(topic, partition, offset, 64 << 10, buf);  // whole batches: at least one
    if (!rr) return std::nullopt;
    if (rr->bytes == 0) {
      if (rr->skipped() && rr->skipped_to > offset) {
        offset = rr->skipped_to;
        continue;
      }
      return std::nullopt;
    }
    log::RecordReader reader(buf, offset);
    log::RecordView rec;
    while (reader.Next(rec)) {
      if (rec.offset >= offset) return rec.timestamp_ms;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<int64_t> LagMs(const log::LogManager& log, const std::string& topic, int32_t partition,
                             int64_t committed, int64_t now_ms) {
  auto info = log.GetPartitionInfo(topic, partition);
  if (!info) return std::nullopt;
  if (committed >= info->high_watermark) return 0;
  auto ts = RecordTimeAt(log, topic, partition, committed);
  if (!ts) return std::nullopt;
  return std::max<int64_t>(0, now_ms - *ts);
}

}  // namespace pinpipe::ui
