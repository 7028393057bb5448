// LogReader: the reading side of the log seam — list partitions, fetch whole RecordBatch v2
// batches from an offset, ask for a partition's offsets, wait for data — and the dead-letter
// produce the sink needs. The embedded log implements it (embedded_log.h); an external Kafka
// cluster through librdkafka does too (kafka/cluster_log.h). Background workers (the sink
// connector, the streaming job) read only through it, so they run unchanged on either.
// Calls work on batches, never per record: an implementation's cost is per fetch.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "log/record_batch.h"

namespace pinpipe::log {

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

struct PartitionOffsets {
  int64_t log_start_offset = 0;
  int64_t high_watermark = 0;
};

class LogReader {
 public:
  virtual ~LogReader() = default;
  // Every partition of every topic (internal topics of a cluster left out).
  virtual std::vector<TopicPartition> ListPartitions() = 0;
  // Appends whole RecordBatch v2 batches starting at the batch containing `offset`, up to
  // `max_bytes` (at least one batch when any is there). May return nothing while data is on
  // its way (a cluster); WaitForData says when to ask again.
  virtual Result<FetchResult> Fetch(const TopicPartition& tp, int64_t offset, size_t max_bytes,
                                    std::string& out) = 0;
  // The partition's first and next offsets now (may ask a cluster: worker threads only).
  virtual Result<PartitionOffsets> Offsets(const TopicPartition& tp) = 0;
  // Calls `fn` once when data at `offset` is available (or returns 0 and does not call it if
  // it is); returns an id for CancelWait.
  virtual Result<uint64_t> WaitForData(const TopicPartition& tp, int64_t offset,
                                       std::function<void()> fn) = 0;
  virtual void CancelWait(uint64_t id) = 0;
  // Appends one record to `topic` (the dead-letter queue), partition 0; creates the topic if
  // needed. At least once: it may return before the record is durable.
  virtual Status Produce(std::string_view topic, const Record& record) = 0;
};

}  // namespace pinpipe::log
