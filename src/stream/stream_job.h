// StreamJob: the streaming half of the Lambda architecture. Reads the source topics partition
// by partition through the log seam (log::LogReader: the embedded log; an external Kafka
// cluster or a Kinesis endpoint can implement it), in deterministic micro-batches, decodes and
// cleans each record with the batch's code (pinterest::RawDecoder, pinterest::Clean*), and
// appends the rows to Delta tables, exactly once (stream_state.h has the protocol).
//
// One worker thread. It wakes when a source partition's high watermark moves (the log's
// WaitForData notification, no polling), plans a batch bounded by records, bytes and record
// time, and commits it; while a commit runs new records accumulate, so batches grow with the
// load (up to those bounds).
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/file_system.h"
#include "common/mutex.h"
#include "common/status.h"
#include "lake/delta_storage.h"
#include "pinterest/dedup_window.h"
#include "pinterest/raw_decode.h"
#include "sink/source_log.h"
#include "stream/latency_histogram.h"
#include "stream/source_positions.h"
#include "stream/stream_settings.h"
#include "stream/stream_state.h"
#include "stream/stream_tables.h"

namespace pinpipe::stream {

struct StreamRuntime {
  FileSystem* fs = FileSystem::Default();
  // A Delta table of the lake at `rel` ("delta/pinterest_pin_table"): batch::BatchLake::Table.
  std::function<std::unique_ptr<lake::TableStorage>(std::string_view rel)> open_table;
  // Crash points for tests: "planned" (plan durable, nothing read), "committed" (after each
  // table's Delta commit), "saved" (state durable). An error stops the batch right there, as
  // a crash would; the test then builds a new job from the files.
  std::function<Status(std::string_view point)> hook;
  // Wall time of the status (updated_ms, a batch's at_ms) and steady time of batch durations;
  // tests pass a ManualClock.
  const Clock* clock = &Clock::System();
  // The first offset of a source partition that the job may read (default 0): a Kinesis
  // shard's start_offset, so records of a deleted stream of the same name, which the log
  // topic keeps, are never read (kinesis/README.md). Called on the job's thread per plan.
  std::function<int64_t(const TopicPartition&)> first_offset;
  // A source whose offsets are the reader's own ordinals (a remote Kinesis endpoint,
  // remote_kinesis_log.h): the job keeps each offset's durable name beside it in the plan and
  // the state and seats the reader on them when it recovers. Null for the embedded log.
  SourcePositions* positions = nullptr;
};

// Per source partition, for `stream status` and /metrics.
struct PartitionStatus {
  TopicPartition tp;
  int64_t committed = 0;
  int64_t log_end = 0;         // high watermark last seen
  int64_t last_record_ms = -1; // timestamp of the last committed record
  std::string position = {};   // a remote shard: sequence number of the last committed record
};

class StreamJob {
 public:
  static Result<std::unique_ptr<StreamJob>> Create(StreamSettings settings, log::LogReader* source,
                                                   StreamRuntime runtime);
  ~StreamJob();  // Stop()

  // Runs batches on a worker thread until Stop().
  void Start();
  // Finishes the batch in flight (if any), then stops the worker.
  void Stop();

  // One step on the caller's thread: replays a pending plan, or plans and runs the next batch.
  // False when there was nothing to read.
  Result<bool> RunOneBatch();
  // Batches until every source partition is read up to the high watermark seen at the call.
  Status RunUntilCaughtUp();

  // Both safe to call while the worker runs.
  const std::string& app_id() const { return app_id_; }  // fixed once created
  int64_t committed_batch() const;
  std::vector<PartitionStatus> Partitions() const;
  // What /healthz reports: the last batch's error while batches fail.
  std::vector<std::string> Problems() const;
  void RenderPrometheus(std::string& out) const;
  // The JSON `pinpipe stream status` prints (also written to stream.status.json per batch).
  std::string StatusJson() const;

 private:
  struct Wakeup;  // shared with the log's callbacks, which may outlive a wait

  StreamJob(StreamSettings settings, log::LogReader* source, StreamRuntime runtime);
  Status Recover();
  StreamTable& Table(pinterest::RawKind kind, bool quarantine);
  std::vector<TopicPartition> SourcePartitions(bool* missing_topic);
  Result<BatchPlan> PlanNext();
  // One partition's range from `start`: whole log batches up to the high watermark, at most
  // *records_left records (decremented); start moves up past records deleted by retention.
  Result<PlannedRange> PlanRange(const TopicPartition& tp, int64_t start, size_t per_partition,
                                 int64_t* records_left);
  // The committed offset of `tp` is past its log's end (its topic was deleted and created
  // again): restarts it at the first offset the job may read, saved durably.
  // Seats runtime_.positions on the committed positions and the pending plan's starts.
  Status SeatPositions();
  // Fills the plan's ranges' positions from runtime_.positions (right after they were fetched).
  Status NamePositions(BatchPlan& plan);
  Status RestartPartition(const TopicPartition& tp, int64_t committed);
  int64_t FirstOffset(const TopicPartition& tp) const;
  Status Execute(const BatchPlan& plan, bool replay);
  Status ReadRange(const PlannedRange& range, pinterest::RawKind kind,
                   pinterest::RawTables* raw, int64_t* last_ms);
  void WaitForData();
  void Loop();
  void CompactLoop();  // the compaction thread
  Status Hook(std::string_view point) const {
    return runtime_.hook ? runtime_.hook(point) : OkStatus();
  }
  int64_t Now() const { return runtime_.clock->WallMs(); }
  void PublishStatus(const std::string& error);

  StreamSettings settings_;
  log::LogReader* source_;
  StreamRuntime runtime_;
  StateFiles files_;
  std::string app_id_;
  CommittedState state_;  // the worker's (or, before Start, the caller's) only
  std::optional<BatchPlan> pending_;  // a plan to replay (recovered after a crash)
  std::vector<pinterest::DedupWindow> windows_;
  std::vector<std::unique_ptr<StreamTable>> tables_;      // by RawKind
  std::vector<std::unique_ptr<StreamTable>> quarantine_;  // by RawKind
  std::map<std::string, pinterest::RawKind, std::less<>> kind_of_topic_;
  std::set<std::string, std::less<>> kinesis_topics_;  // sources that are Kinesis streams
  std::map<TopicPartition, int64_t> log_end_;
  pinterest::RawDecoder decoder_;
  std::string fetch_buf_;

  std::shared_ptr<Wakeup> wakeup_;
  std::thread worker_;
  std::thread compactor_;
  std::atomic<bool> stop_{false};
  std::array<std::atomic<bool>, 6> opened_{};  // tables_ then quarantine_: have rows
  std::atomic<uint64_t> compactions_{0}, compacted_files_{0};

  // Counters (written by the worker, read by /metrics).
  std::atomic<uint64_t> batches_{0}, replayed_{0}, skipped_commits_{0}, records_{0},
      quarantined_{0}, duplicates_{0}, errors_{0}, bytes_written_{0};
  std::array<std::atomic<uint64_t>, 3> rows_{};
  std::atomic<int64_t> last_batch_ms_{0}, last_batch_id_{-1}, last_batch_at_ms_{0},
      last_batch_records_{0};
  // Per committed batch: its wall time, and ack → commit (the commit's time minus the oldest
  // record's timestamp in the batch: how long that record waited to be visible in Delta).
  LatencyHistogram batch_duration_, commit_latency_;
  int64_t batch_oldest_ms_ = 0;  // worker thread: the oldest record timestamp read in this batch
  mutable Mutex status_mu_;  // never held during I/O
  std::vector<PartitionStatus> status_partitions_ GUARDED_BY(status_mu_);
  std::string last_error_ GUARDED_BY(status_mu_);
  std::string status_app_id_ GUARDED_BY(status_mu_);
  int64_t status_batch_id_ GUARDED_BY(status_mu_) = -1;
};

}  // namespace pinpipe::stream
