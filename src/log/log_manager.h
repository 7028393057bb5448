// LogManager: the embedded durable log — topics of N partitions, each an append-only sequence of
// Kafka RecordBatch v2 batches in segment files (<dir>/log/<topic>-<partition>/<base>.log|.index).
// This is the entry point the gateway, the Kafka broker, Kinesis, the sink and the stream job use.
//
// Threading and callback contract
//  - Every method is thread-safe. Appends to one partition serialise on a short per-partition
//    lock (a memcpy with flush=always, one pwrite otherwise); different partitions proceed in
//    parallel.
//  - Append/AppendBatch return the assigned base offset synchronously, or an error; on error the
//    callback is never invoked. On success the callback is invoked exactly once:
//      flush=always:          on a flusher lane thread after the batch is durable (fdatasync), in
//                             offset order per partition; or with an error if the write or fsync failed
//                             (then nothing is acknowledged and the partition refuses further
//                             appends with kIoError until restart, when recovery runs).
//      flush=interval|os:     inline, on the appending thread, before Append returns.
//    Callbacks must be cheap and must not block (post to a reactor): they delay the
//    acknowledgement of later appends. They run with no log lock held, so they may call any
//    LogManager method except Close.
//  - Readers see offsets below the high watermark: the durable end with flush=always (so a
//    consumer never sees a record a crash could remove), the log end otherwise.
//  - Data-available notification: WaitForData registers a one-shot callback fired (on the thread
//    that advanced the high watermark, without locks held) once HWM > offset.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "log/log_options.h"
#include "log/record_batch.h"

namespace pinpipe::log {

class TopicRegistry;
class PartitionLog;
class Flusher;
class OffsetStore;
class TopicConfigs;
struct ConfigChange;
struct Topic;

struct AppendResult {
  int64_t base_offset = 0;
  int64_t last_offset = 0;  // base + record count - 1
  // Per record, when the offsets are not base + i (an external cluster may interleave other
  // producers' records); null from the embedded log. Valid during the callback only.
  const int64_t* offsets = nullptr;
};

// Invoked once per successful Append (see the contract above).
using AppendCallback = std::move_only_function<void(const Result<AppendResult>&)>;

struct ReadResult {
  int64_t high_watermark = 0;    // next offset readers may see
  int64_t log_start_offset = 0;  // first offset still stored
  int64_t log_end_offset = 0;    // next offset to be assigned (>= high_watermark)
  // True when offset < log_start_offset or offset > high_watermark (Kafka OFFSET_OUT_OF_RANGE);
  // nothing was read.
  bool out_of_range = false;
  size_t bytes = 0;  // bytes appended to the caller's buffer (whole batches)
  // Offset after the last batch returned (== requested offset when nothing was returned).
  int64_t next_offset = 0;
  // Offsets [skipped_from, skipped_to) were unreadable (damaged on disk: a gap found at
  // start-up or a batch whose CRC failed on this or an earlier read) and were skipped; the
  // batches returned start after them. -1 when nothing was skipped. Corrupt bytes are never
  // returned. CorruptionError() words it for a consumer (Kafka's CORRUPT_MESSAGE).
  int64_t skipped_from = -1;
  int64_t skipped_to = -1;
  bool skipped() const { return skipped_from >= 0; }
  Error CorruptionError(std::string_view topic, int32_t partition) const;
};

// What recovery found wrong in a partition at open: a torn or corrupt tail of the active
// segment that it cut, or damage it kept as a gap that readers skip (lost_* set).
struct RecoveryReport {
  std::string topic;
  int32_t partition = 0;
  std::string file;           // the segment file
  uint64_t bytes_cut = 0;
  int64_t kept_start_offset = 0;  // offsets [kept_start_offset, kept_end_offset) are intact
  int64_t kept_end_offset = 0;
  std::string reason;         // "bad CRC at position 1234", "truncated batch", ...
  bool index_rebuilt = false;
  // Damage kept in place (never cut): offsets [lost_start_offset, lost_end_offset) are
  // unreadable and skipped by readers; -1 for a cut tail.
  int64_t lost_start_offset = -1;
  int64_t lost_end_offset = -1;
  // One line for the server's log.
  std::string Describe() const;
};

// Kafka's topic ID (KIP-516): 16 random bytes given at creation, kept in the topics file, so
// it is the same after a restart and different for a topic deleted and created again.
using TopicUuid = std::array<uint8_t, 16>;
TopicUuid NewTopicUuid();  // random, never all zeros (Kafka's ZERO_UUID) or 0…01
std::string TopicUuidHex(const TopicUuid& id);
// Kafka's text form (Uuid.toString: URL-safe base64 without padding, 22 characters).
std::string TopicUuidBase64(const TopicUuid& id);

struct TopicInfo {
  std::string name;
  int32_t partitions = 0;
  // Unique per creation while the process runs: a topic deleted and created again under the
  // name has another, so a reader that remembers positions can tell the new topic from the
  // old one. Cheap map key; `uuid` is the durable identity.
  uint64_t id = 0;
  TopicUuid uuid{};
};

struct PartitionInfo {
  int64_t log_start_offset = 0;
  int64_t high_watermark = 0;
  int64_t log_end_offset = 0;
  uint64_t size_bytes = 0;
  int32_t segments = 0;
};

// Topic names: [a-zA-Z0-9._-]{1,249}, not "." or ".." (no path tricks).
bool IsValidTopicName(std::string_view name);

class LogManager {
 public:
  // Opens (creating if needed) the log under options.dir, recovers every partition and starts
  // the flusher and retention threads. `reports` (optional) receives what recovery cut or
  // kept as gaps; every report is also logged (warn).
  static Result<std::unique_ptr<LogManager>> Open(LogOptions options,
                                                  std::vector<RecoveryReport>* reports = nullptr);
  ~LogManager();  // Close()
  LogManager(const LogManager&) = delete;
  LogManager& operator=(const LogManager&) = delete;

  // Flushes everything (fsync regardless of policy), fires pending callbacks, joins threads.
  // Later calls fail with kUnavailable. Idempotent.
  void Close();

  // ---- topics
  // kAlreadyExists if it exists (with any partition count); kInvalidArgument for a bad name or
  // partitions outside [1, 10000].
  Status CreateTopic(std::string_view topic, int32_t partitions);
  // Grows an existing topic to `new_total` partitions (Kafka CreatePartitions, Kinesis
  // resharding). Safe while appends, reads and waits run on the topic: each lookup sees the
  // old or the new partition list, and the append path takes no lock for it. Persisted before
  // it returns; a crash after the new partitions' directories exist keeps them.
  // kNotFound for an unknown topic; kInvalidArgument unless old count < new_total <= 10000.
  Status AddPartitions(std::string_view topic, int32_t new_total);
  // Deletes a topic (Kafka DeleteTopics, Kinesis DeleteStream, the admin API). When it
  // returns the topic is gone for every caller: lookups answer kNotFound, appends and reads in
  // flight on it fail with kNotFound (a read already past the check finishes on the segments
  // it holds), pending appends fail, waiters wake (and their next read learns it). The topics
  // file no longer names it, its partition directories are renamed to
  // "<topic>-<p>.<tag>-delete" and removed by a background thread (or at the next start, if
  // one is left), and every group's committed offsets for it are dropped. A topic created
  // again under the name starts empty at offset 0. Blocks on file-system work: never call it
  // on a reactor thread. kNotFound if unknown.
  Status DeleteTopic(std::string_view topic);
  std::vector<TopicInfo> ListTopics() const;  // sorted by name
  // kNotFound if unknown.
  Result<TopicInfo> GetTopic(std::string_view topic) const;
  // The topic whose Kafka topic id (TopicInfo::uuid) is `uuid`; kNotFound if none has it (one
  // deleted, or deleted and created again under its name). A scan of the topics.
  Result<TopicInfo> GetTopicById(const TopicUuid& uuid) const;
  // Creates the topic with default_partitions when auto_create is on; kNotFound otherwise.
  Result<TopicInfo> GetOrCreateTopic(std::string_view topic);

  // ---- per-topic configs (retention.ms, retention.bytes, segment.bytes; topic_configs.h)
  // The topic's overrides (name -> value); kNotFound for an unknown topic.
  Result<std::map<std::string, std::string>> TopicConfigOverrides(std::string_view topic) const;
  // IncrementalAlterConfigs: all changes validated first (kInvalidArgument, nothing changed),
  // then durable and in force (segment rolling, retention) when it returns. kNotFound for an
  // unknown topic.
  Status AlterTopicConfig(std::string_view topic, std::span<const ConfigChange> changes,
                          bool validate_only);
  // AlterConfigs / CreateTopics: the overrides become exactly `configs`.
  Status ReplaceTopicConfig(std::string_view topic,
                            std::span<const std::pair<std::string, std::string>> configs,
                            bool validate_only);

  // ---- appends
  // Encodes `records` (non-empty) as one batch and appends it. Records with timestamp -1 get
  // the current time. Returns the base offset; see the callback contract above.
  Result<AppendResult> Append(std::string_view topic, int32_t partition,
                              std::span<const Record> records, AppendCallback done = nullptr);
  // Appends one client batch (Kafka produce): validates it (ValidateBatch), stores it
  // byte-for-byte except the base offset (bytes 0..7, outside the CRC).
  // kCorruption for a bad CRC, kInvalidArgument for other malformed batches.
  Result<AppendResult> AppendBatch(std::string_view topic, int32_t partition,
                                   std::string_view batch, AppendCallback done = nullptr);
  // Append + wait for the callback (for tools and tests; never call on a reactor thread).
  Result<AppendResult> AppendSync(std::string_view topic, int32_t partition,
                                  std::span<const Record> records);

  // ---- reads
  // Appends to `out` whole batches starting with the batch containing `offset`, up to
  // `max_bytes` but always at least one batch when any is available (KIP-74), and only below
  // the high watermark. offset == high watermark returns nothing (not out of range).
  Result<ReadResult> Read(std::string_view topic, int32_t partition, int64_t offset,
                          size_t max_bytes, std::string& out) const;
  Result<PartitionInfo> GetPartitionInfo(std::string_view topic, int32_t partition) const;
  // First offset whose batch max timestamp >= ts_ms (Kafka ListOffsets), or -1 if none;
  // ts -1 = latest (HWM), -2 = earliest.
  Result<int64_t> OffsetForTimestamp(std::string_view topic, int32_t partition,
                                     int64_t ts_ms) const;

  // ---- waiting for data (long poll)
  using WaitId = uint64_t;
  // If HWM > offset already, returns 0 and does not call `fn`. Otherwise registers `fn`, called
  // once when HWM > offset (or at Close), and returns an id for CancelWait.
  Result<WaitId> WaitForData(std::string_view topic, int32_t partition, int64_t offset,
                             std::function<void()> fn);
  // True if the waiter was removed before firing.
  bool CancelWait(WaitId id);
  // Blocking form for worker threads: true when HWM > offset, false on timeout or Close.
  bool WaitForOffset(std::string_view topic, int32_t partition, int64_t offset,
                     std::chrono::milliseconds timeout);

  // ---- maintenance
  // Deletes whole segments past retention (never the active one); returns segments deleted.
  // Retention is the topic's retention.ms / retention.bytes override or the options'.
  int EnforceRetention();
  // Forces an fsync of every partition now (any policy) and waits for it.
  Status Flush();

  // ---- consumer-group offsets (<dir>/state/)
  OffsetStore& offsets();

  // ---- metrics (lock-free reads of atomics)
  // Prometheus text: pinpipe_log_records_appended_total{topic}, pinpipe_log_bytes_appended_total
  // {topic}, pinpipe_log_end_offset{topic,partition}, pinpipe_log_high_watermark{...},
  // pinpipe_log_fsync_total, pinpipe_log_fsync_seconds histogram, pinpipe_log_fsync_errors_total,
  // pinpipe_log_recovery_points_total, pinpipe_log_recovery_validated_bytes.
  void RenderPrometheus(std::string& out) const;
  uint64_t fsync_count() const;
  // Bytes recovery read and CRC-checked at open (active segments after an unclean shutdown,
  // from their recovery points).
  uint64_t recovery_validated_bytes() const;

  // Health: "<topic>-<partition>: <reason>" for every partition that refuses appends (after a
  // failed write or fsync, until restart). Takes each partition's lock briefly.
  std::vector<std::string> RefusingPartitions() const;

  const LogOptions& options() const { return options_; }

 private:
  explicit LogManager(LogOptions options);
  Status OpenAll(std::vector<RecoveryReport>* reports);
  // The topic is returned too (`t`, optional): the partition's owner, for the counters.
  Result<PartitionLog*> FindPartition(std::string_view topic, int32_t partition,
                                      Topic** t = nullptr) const;
  Result<PartitionLog*> FindOrCreatePartition(std::string_view topic, int32_t partition,
                                              Topic** t);
  Result<AppendResult> AppendEncoded(PartitionLog* p, std::string_view batch,
                                     int32_t record_count, AppendCallback done);
  void RetentionLoop();
  void RemovalLoop();  // removes deleted topics' directories
  int64_t NowMs() const;

  LogOptions options_;
  std::unique_ptr<TopicConfigs> topic_configs_;  // before topics_: partitions point into it
  std::unique_ptr<TopicRegistry> topics_;
  std::unique_ptr<Flusher> flusher_;
  std::unique_ptr<OffsetStore> offsets_;
  struct Background;
  std::unique_ptr<Background> bg_;
  std::atomic<bool> closed_{false};
};

}  // namespace pinpipe::log
