// LogSource: SourceLog over the embedded durable log (log::LogManager).
#pragma once

#include "log/log_manager.h"
#include "sink/source_log.h"

namespace pinpipe::sink {

class LogSource final : public SourceLog {
 public:
  explicit LogSource(log::LogManager& log) : log_(log) {}

  std::vector<TopicPartition> ListPartitions() override;
  Result<FetchResult> Fetch(const TopicPartition& tp, int64_t offset, size_t max_bytes,
                            std::string& out) override;
  Result<uint64_t> WaitForData(const TopicPartition& tp, int64_t offset,
                               std::function<void()> fn) override;
  void CancelWait(uint64_t id) override { log_.CancelWait(id); }
  Status Produce(std::string_view topic, const log::Record& record) override;

 private:
  log::LogManager& log_;
};

}  // namespace pinpipe::sink
