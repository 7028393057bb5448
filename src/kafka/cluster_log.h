// ClusterLog: the log seam (log::LogReader, log::LogWriter) over an external Kafka cluster
// through librdkafka — what `kafka.bootstrap = "host:port,..."` selects instead of the
// embedded log.
//
// Writing: one idempotent producer (enable.idempotence, acks=all). Append enqueues the records
// (copied) and returns; a poller thread serves librdkafka's delivery reports and completes the
// append's callback once every record is acknowledged by the cluster (or failed: then the
// callback carries the error), never on the caller's thread.
// Reading: one consumer handle, partitions consumed with explicit start offsets (no group, no
// committed offsets: the sink keeps its own). A reader thread owns every consumer call (start,
// seek, consume), so no message fetched before a seek ever reaches a buffer after it; Fetch
// serves whole RecordBatch v2 batches re-encoded from the buffered messages (offsets and
// timestamps as the cluster has them) and never waits for the network.
// Administration (metadata, create/delete topics, watermarks) blocks up to the client timeout:
// worker threads and the CLI only.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "kafka/oauth_client_credentials.h"
#include "log/log_reader.h"
#include "log/log_writer.h"
#include "log/topic_admin.h"

struct rd_kafka_s;
struct rd_kafka_topic_s;
struct rd_kafka_queue_s;
struct rd_kafka_message_s;

namespace pinpipe::kafka {

struct ClusterOptions {
  std::string bootstrap;  // "host:port,host:port"
  std::string client_id = "pinpipe";
  // Topics created on first produce (the REST Proxy's auto-creation), with this many partitions.
  bool auto_create = true;
  int32_t default_partitions = 1;
  int16_t replication_factor = -1;  // -1: the cluster's default.replication.factor
  // How long a produced record may wait for the cluster before it fails (message.timeout.ms),
  // and the bound of every blocking call (metadata, admin, watermarks).
  int64_t timeout_ms = 30000;
  // Passed to librdkafka as they are (kafka.security_protocol, kafka.sasl_*, kafka.ssl_ca_location → security.protocol, sasl.*, ssl.*).
  std::vector<std::pair<std::string, std::string>> properties;
  // OAUTHBEARER with the client credentials grant: pinpipe fetches the tokens.
  OauthClientCredentials oauth;
};

class ClusterLog final : public log::LogReader, public log::LogWriter, public log::TopicAdmin {
 public:
  // Creates the producer and checks the cluster answers (metadata) within the timeout.
  static Result<std::unique_ptr<ClusterLog>> Open(ClusterOptions options);
  ~ClusterLog() override;  // Close()
  // Waits (up to the timeout) for records in flight, then stops the threads. Idempotent.
  void Close();

  // ---- LogReader
  std::vector<log::TopicPartition> ListPartitions() override;
  Result<log::FetchResult> Fetch(const log::TopicPartition& tp, int64_t offset, size_t max_bytes,
                                 std::string& out) override;
  Result<log::PartitionOffsets> Offsets(const log::TopicPartition& tp) override;
  Result<uint64_t> WaitForData(const log::TopicPartition& tp, int64_t offset,
                               std::function<void()> fn) override;
  void CancelWait(uint64_t id) override;
  Status Produce(std::string_view topic, const log::Record& record) override;

  // ---- LogWriter
  Result<log::TopicInfo> GetTopic(std::string_view topic) const override;
  Result<log::TopicInfo> LookUpTopic(std::string_view topic) override;
  Result<log::TopicInfo> GetOrCreateTopic(std::string_view topic) override;
  bool authoritative() const override { return false; }
  bool auto_create() const override { return options_.auto_create; }
  int32_t default_partitions() const override { return options_.default_partitions; }
  Status Append(std::string_view topic, int32_t partition, std::span<const log::Record> records,
                log::AppendCallback done) override;

  // ---- administration (blocking)
  Result<std::vector<log::TopicInfo>> ListTopics() override;  // sorted, internal topics left out
  Status CreateTopic(std::string_view topic, int32_t partitions) override;
  Status DeleteTopic(std::string_view topic) override;

  const ClusterOptions& options() const { return options_; }
  // The last error the client reported about the cluster as a whole (all brokers down), or "".
  std::string ClusterError() const;

 private:
  struct Part;
  struct Batch;
  explicit ClusterLog(ClusterOptions options);
  Status Init();
  Result<log::TopicInfo> Describe(std::string_view topic);  // metadata for one topic
  Status EnsureConsumer();
  Part& PartLocked(const log::TopicPartition& tp);
  void RequestSeekLocked(Part& p, int64_t offset);
  void ReaderLoop();
  void PollLoop();
  void NoteClusterError(std::string message);
  void ClearClusterError();
  void Remember(const log::TopicInfo& info);
  static void OnDelivery(rd_kafka_s* rk, const rd_kafka_message_s* msg, void* opaque);
  static void OnError(rd_kafka_s* rk, int err, const char* reason, void* opaque);

  ClusterOptions options_;
  rd_kafka_s* producer_ = nullptr;
  std::thread poller_;
  std::atomic<bool> stop_{false};
  bool closed_ = false;

  mutable Mutex topics_mu_;
  std::map<std::string, log::TopicInfo, std::less<>> topics_;  // what the cluster has (cache)
  uint64_t next_topic_id_ = 1;
  std::vector<log::TopicPartition> last_partitions_;

  mutable Mutex error_mu_;
  std::string cluster_error_;
  std::atomic<bool> has_error_{false};  // cluster_error_ is set (read without the lock)

  // Reading side (created on first use).
  Mutex mu_;
  CondVar space_cv_;  // the reader thread waits here while buffers are full
  CondVar data_cv_;   // Fetch waits here for data the reader thread buffers
  rd_kafka_s* consumer_ = nullptr;
  rd_kafka_queue_s* queue_ = nullptr;
  std::map<log::TopicPartition, std::unique_ptr<Part>> parts_;
  size_t buffered_bytes_ = 0;
  uint64_t next_wait_id_ = 1;
  std::map<uint64_t, log::TopicPartition> waits_;
  std::thread reader_;
  std::vector<log::Record> scratch_records_;
  std::vector<log::Header> scratch_headers_;
};

}  // namespace pinpipe::kafka
