#include "log/embedded_log.h"

#include "common/rate_limited_log.h"

namespace pinpipe::log {

std::vector<TopicPartition> EmbeddedLog::ListPartitions() {
  std::vector<TopicPartition> out;
  for (const auto& t : log_.ListTopics()) {
    for (int32_t p = 0; p < t.partitions; ++p) out.push_back({t.name, p});
  }
  return out;
}

Result<FetchResult> EmbeddedLog::Fetch(const TopicPartition& tp, int64_t offset, size_t max_bytes,
                                       std::string& out) {
  PINPIPE_ASSIGN_OR_RETURN(ReadResult r, log_.Read(tp.topic, tp.partition, offset, max_bytes, out));
  FetchResult f;
  f.high_watermark = r.high_watermark;
  f.log_start_offset = r.log_start_offset;
  f.next_offset = r.next_offset;
  f.out_of_range = r.out_of_range;
  if (r.skipped()) {
    // The log never serves damaged batches; say what the reader will not get, and go on.
    f.skipped_from = r.skipped_from;
    f.skipped_to = r.skipped_to;
    static LogRateLimiter limiter(10, 10'000);
    LogRateLimited(limiter, spdlog::level::warn, "sink: {}",
                   r.CorruptionError(tp.topic, tp.partition).message());
  }
  return f;
}

Result<PartitionOffsets> EmbeddedLog::Offsets(const TopicPartition& tp) {
  PINPIPE_ASSIGN_OR_RETURN(PartitionInfo pi, log_.GetPartitionInfo(tp.topic, tp.partition));
  return PartitionOffsets{pi.log_start_offset, pi.high_watermark};
}

Result<uint64_t> EmbeddedLog::WaitForData(const TopicPartition& tp, int64_t offset,
                                          std::function<void()> fn) {
  return log_.WaitForData(tp.topic, tp.partition, offset, std::move(fn));
}

Status EmbeddedLog::Produce(std::string_view topic, const Record& record) {
  PINPIPE_ASSIGN_OR_RETURN(TopicInfo info, log_.GetOrCreateTopic(topic));
  (void)info;
  // Partition 0: the DLQ keeps the errant records in the order the sink met them.
  // Not waiting for the fsync: the DLQ is at-least-once, like Kafka Connect's.
  PINPIPE_ASSIGN_OR_RETURN(auto res, log_.Append(topic, 0, std::span<const Record>(&record, 1)));
  (void)res;
  return OkStatus();
}

Status EmbeddedLog::Append(std::string_view topic, int32_t partition, std::span<const Record> records,
                           AppendCallback done) {
  auto r = log_.Append(topic, partition, records, std::move(done));
  if (!r) return std::unexpected(r.error());
  return OkStatus();
}

}  // namespace pinpipe::log
