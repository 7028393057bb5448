// PartitionLog: one topic-partition — a list of segments, offset assignment, the pending
// acknowledgements of group commit, the high watermark and its waiters. Internal to src/log.
//
// Locks: mu_ (short: offset assignment, a memcpy or one pwrite, bookkeeping) guards the
// segment list and the pending queue; sync_mu_ serialises SyncOnce (the flusher lane and
// Flush); wait_mu_ guards waiters. Callbacks and waiters are always invoked with no lock held.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "log/log_manager.h"
#include "log/log_metrics.h"
#include "log/segment.h"

namespace pinpipe::log {

class Flusher;
class ReadFileCache;
class TopicConfigs;
struct TopicLimits;

struct PartitionContext {
  const LogOptions* options;
  FileSystem* fs;
  LogMetrics* metrics;
  Flusher* flusher;
  // Read descriptors of sealed segments (null: sealed segments keep theirs open).
  ReadFileCache* files = nullptr;
  // Per-topic overrides of segment.bytes and retention (null: the options apply).
  TopicConfigs* topic_configs = nullptr;
  // The previous run closed cleanly (everything fsynced): the active segment's index is
  // trusted like the others' instead of re-validating every batch.
  bool clean_shutdown = false;
};

class PartitionLog {
 public:
  // Descriptors a partition holds for good: the active segment's log, index and direct-write
  // files. Sealed segments hold none (ReadFileCache).
  static constexpr uint64_t kDescriptorsPerPartition = 3;
  // Opens or creates <log dir>/<topic>-<partition>, running recovery on the last segment.
  static Result<std::unique_ptr<PartitionLog>> Open(const PartitionContext& ctx,
                                                    const std::string& log_dir,
                                                    std::string topic, int32_t partition,
                                                    std::vector<RecoveryReport>* reports);
  ~PartitionLog();

  const std::string& topic() const { return topic_; }
  int32_t partition() const { return partition_; }
  const std::string& dir() const { return dir_; }

  // Topic deletion: from now on every append, read and wait answers kNotFound (the topic is
  // gone), pending appends fail with it, waiters wake. The segments are released here: a
  // read in flight keeps the ones it holds (shared_ptr) until it returns. The object itself
  // stays allocated (the registry keeps it) so that a lookup that raced the delete never
  // touches freed memory. Waits for a commit in progress (sync_mu_). The failed appends'
  // callbacks and the woken waiters are not run here but added to `fire`, for the caller to
  // run with no lock held (they may call any LogManager method).
  void Drop(std::vector<std::move_only_function<void()>>* fire);
  bool deleted() const { return deleted_.load(std::memory_order_acquire); }
  Error DeletedError() const;

  // Appends one encoded batch given without its first 8 bytes (the base offset, written here).
  // `tail` is bytes [8, end) of a batch of `count` records.
  Result<AppendResult> Append(std::string_view tail, int32_t count, int64_t max_timestamp,
                              AppendCallback& done);

  Result<ReadResult> Read(int64_t offset, size_t max_bytes, std::string& out) const;
  PartitionInfo Info() const;
  Result<int64_t> OffsetForTimestamp(int64_t ts_ms) const;

  // Group commit: fsyncs what was written so far, then advances the durable offset and fires
  // the callbacks it covers. False if the partition is failed or the fsync failed.
  bool SyncOnce();
  // Why the partition refuses appends (a failed write or fsync, e.g. ENOSPC), or nullopt.
  std::optional<std::string> refusal() const;
  // Fails pending callbacks with `error` (Close).
  void FailPending(const Error& error);

  // Registers a one-shot waiter (see LogManager::WaitForData); false if HWM > offset already.
  bool AddWaiter(uint64_t id, int64_t offset, std::function<void()>& fn);
  bool RemoveWaiter(uint64_t id);
  bool WaitFor(int64_t offset, std::chrono::milliseconds timeout, const std::atomic<bool>& closed);
  void WakeAllWaiters();  // Close
  // Cuts the active segment's zero-filled space (Close, after the last sync).
  Status Seal();

  int EnforceRetention(int64_t now_ms);

  int64_t high_watermark() const { return hwm_.load(std::memory_order_acquire); }
  int64_t log_end_offset() const { return leo_pub_.load(std::memory_order_relaxed); }
  int64_t log_start_offset() const { return log_start_.load(std::memory_order_relaxed); }

  std::atomic<bool> queued{false};  // in the flusher's work list
  int lane() const { return lane_; }  // the flusher lane that syncs this partition

 private:
  PartitionLog(const PartitionContext& ctx, std::string dir, std::string topic, int32_t partition);
  void PublishVisible(int64_t offset, const Segment* seg, uint64_t pos) REQUIRES(mu_);
  // Sets how a new active segment is written (buffered for group commit, direct if possible).
  void StartWriting(Segment& seg);
  void NotifyWaiters();
  // After a good sync: records that `seg` is durable up to `pos` (RecoveryPoint) when the
  // last point is older than options.recovery_point_interval_ms or 16 MiB. Lane only.
  void MaybeWriteRecoveryPoint(const Segment& seg, uint64_t pos, int64_t next_offset,
                               int64_t max_timestamp) REQUIRES(sync_mu_);
  // A read found damage at `pos` of `seg` (the batch there should start at offset `expect`):
  // finds where readable data resumes, records the gap, counts and logs it (rate-limited).
  Status NoteDamage(const std::shared_ptr<Segment>& seg, uint64_t pos, int64_t expect,
                    uint64_t limit, int64_t seg_end) const;
  // Read limit of `seg`, given the visible point.
  uint64_t VisibleLimit(const Segment* seg) const REQUIRES(mu_);

  // segment.bytes for this topic: its override or the option. Lock-free (read per append).
  uint64_t SegmentBytes() const;

  PartitionContext ctx_;
  const TopicLimits* limits_ = nullptr;  // this topic's overrides (null without TopicConfigs)
  const std::string dir_, topic_;
  const int32_t partition_;
  const bool ack_on_sync_;  // flush=always
  const int lane_;

  mutable Mutex mu_;
  // Ordered by base offset; back() is active.
  std::vector<std::shared_ptr<Segment>> segments_ GUARDED_BY(mu_);
  int64_t leo_ GUARDED_BY(mu_) = 0;
  int64_t visible_base_ GUARDED_BY(mu_) = 0;  // base offset of the segment holding the visible end
  uint64_t visible_pos_ GUARDED_BY(mu_) = 0;  // position of the visible end in that segment
  std::vector<std::shared_ptr<Segment>> rolled_unsynced_ GUARDED_BY(mu_);
  struct Pending {
    int64_t end_offset;
    AppendResult result;
    AppendCallback done;
  };
  std::deque<Pending> pending_ GUARDED_BY(mu_);
  std::optional<Error> failed_ GUARDED_BY(mu_);  // an fsync failed: refuse appends until restart
  std::atomic<bool> deleted_{false};  // set under sync_mu_ and mu_ (Drop); segments_ is empty

  Mutex sync_mu_ ACQUIRED_BEFORE(mu_);
  int64_t synced_offset_ GUARDED_BY(sync_mu_) = -1;
  Segment::Unwritten unwritten_ GUARDED_BY(sync_mu_);  // reused write buffer
  std::vector<Pending> acked_ GUARDED_BY(sync_mu_);    // the appends a commit acknowledges
  // The last recovery point written.
  int64_t point_base_ GUARDED_BY(sync_mu_) = -1;
  uint64_t point_pos_ GUARDED_BY(sync_mu_) = 0;
  std::chrono::steady_clock::time_point point_time_ GUARDED_BY(sync_mu_){};

  std::atomic<int64_t> hwm_{0}, leo_pub_{0}, log_start_{0};

  Mutex wait_mu_;
  CondVar wait_cv_;
  std::atomic<int> waiter_count_{0};
  struct Waiter {
    uint64_t id;
    int64_t offset;
    std::function<void()> fn;
  };
  std::vector<Waiter> waiters_ GUARDED_BY(wait_mu_);
};

}  // namespace pinpipe::log
