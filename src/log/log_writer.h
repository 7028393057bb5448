// LogWriter: the producing side of the log seam, as the REST Proxy uses it — topic lookups
// and batch appends acknowledged once stored (the embedded log's group commit, or a cluster's
// acks=all). Implemented by the embedded log (embedded_log.h) and by an external Kafka cluster
// through librdkafka (kafka/cluster_log.h). One call per batch: the per-record work stays in
// the caller's loop and the implementation's encoder.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "common/status.h"
#include "log/log_manager.h"
#include "log/record_batch.h"

namespace pinpipe::log {

class LogWriter {
 public:
  virtual ~LogWriter() = default;
  // What is known now, without waiting (safe on a reactor thread): the topic's info, or
  // kNotFound when it is unknown here (it may still exist in a cluster: GetOrCreateTopic asks).
  virtual Result<TopicInfo> GetTopic(std::string_view topic) const = 0;
  // True when GetTopic's kNotFound is final (the embedded log); false when the topic may exist
  // where GetTopic cannot see without asking (a cluster): then LookUpTopic asks.
  virtual bool authoritative() const = 0;
  // Asks where the topic lives; kNotFound when it does not exist. May block.
  virtual Result<TopicInfo> LookUpTopic(std::string_view topic) = 0;
  // Looks the topic up where it lives and creates it with default_partitions() when
  // auto_create() allows (kNotFound otherwise). May block: never on a reactor thread.
  virtual Result<TopicInfo> GetOrCreateTopic(std::string_view topic) = 0;
  virtual bool auto_create() const = 0;
  virtual int32_t default_partitions() const = 0;
  // Appends `records` (non-empty) to one partition as one batch. The views are copied before
  // it returns. On error `done` is never called; otherwise exactly once, with the offsets the
  // records got or the error that kept them from being stored, on a thread of the
  // implementation (cheap, non-blocking callbacks only, as LogManager's contract says).
  virtual Status Append(std::string_view topic, int32_t partition, std::span<const Record> records,
                        AppendCallback done) = 0;
};

}  // namespace pinpipe::log
