// EmbeddedLog: the log seam (LogReader, LogWriter) over the embedded durable log
// (log::LogManager). A thin forwarder: one call per batch, nothing added per record.
#pragma once

#include "log/log_manager.h"
#include "log/log_reader.h"
#include "log/log_writer.h"

namespace pinpipe::log {

class EmbeddedLog final : public LogReader, public LogWriter {
 public:
  explicit EmbeddedLog(LogManager& log) : log_(log) {}

  // LogReader
  std::vector<TopicPartition> ListPartitions() override;
  Result<FetchResult> Fetch(const TopicPartition& tp, int64_t offset, size_t max_bytes,
                            std::string& out) override;
  Result<PartitionOffsets> Offsets(const TopicPartition& tp) override;
  Result<uint64_t> WaitForData(const TopicPartition& tp, int64_t offset,
                               std::function<void()> fn) override;
  void CancelWait(uint64_t id) override { log_.CancelWait(id); }
  Status Produce(std::string_view topic, const Record& record) override;

  // LogWriter
  Result<TopicInfo> GetTopic(std::string_view topic) const override { return log_.GetTopic(topic); }
  bool authoritative() const override { return true; }
  Result<TopicInfo> LookUpTopic(std::string_view topic) override { return log_.GetTopic(topic); }
  Result<TopicInfo> GetOrCreateTopic(std::string_view topic) override {
    return log_.GetOrCreateTopic(topic);
  }
  bool auto_create() const override { return log_.options().auto_create; }
  int32_t default_partitions() const override { return log_.options().default_partitions; }
  Status Append(std::string_view topic, int32_t partition, std::span<const Record> records,
                AppendCallback done) override;

  LogManager& log() { return log_; }

 private:
  LogManager& log_;
};

}  // namespace pinpipe::log
