// SourceLog: what the sink needs from a log — list partitions, fetch RecordBatch v2 bytes,
// wait for data, and produce dead-letter records. The embedded log implements it in
// log_source.h; an external Kafka cluster (librdkafka) can implement it later without
// touching the connector.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "log/record_batch.h"

namespace pinpipe::sink {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
  std::string ToString() const { return topic + "-" + std::to_string(partition); }
};

struct FetchResult {
  int64_t high_watermark = 0;    // next offset readers may see
  int64_t log_start_offset = 0;  // first offset still stored
  int64_t next_offset = 0;       // offset after the last batch appended to `out`
  bool out_of_range = false;     // the offset is below log start or above the high watermark
  // Offsets [skipped_from, skipped_to) were unreadable (damaged on disk) and were skipped;
  // the batches appended start after them. -1 when nothing was skipped.
  int64_t skipped_from = -1;
  int64_t skipped_to = -1;
};

class SourceLog {
 public:
  virtual ~SourceLog() = default;
  virtual std::vector<TopicPartition> ListPartitions() = 0;
  // Appends whole RecordBatch v2 batches starting at the batch containing `offset`.
  virtual Result<FetchResult> Fetch(const TopicPartition& tp, int64_t offset, size_t max_bytes,
                                    std::string& out) = 0;
  // Calls `fn` once when data at `offset` is available (or at once if it is); returns an id
  // for CancelWait (0 = fired already).
  virtual Result<uint64_t> WaitForData(const TopicPartition& tp, int64_t offset,
                                       std::function<void()> fn) = 0;
  virtual void CancelWait(uint64_t id) = 0;
  // Appends one record to `topic` (the dead-letter queue); creates the topic if needed.
  virtual Status Produce(std::string_view topic, const log::Record& record) = 0;
};

}  // namespace pinpipe::sink
