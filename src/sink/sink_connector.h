// SinkConnector: copies the records of the selected topics into lake objects, exactly once.
//
// One worker thread polls every partition (the log's WaitForData wakes it), feeds the records
// to PartitionTasks, and runs a flush round when objects are cut:
//   1. plan:   every cut object's range [start, end) is written to the state, durably;
//   2. upload: every planned object is put (deferred durability: one store Sync per round);
//   3. sync:   ObjectStore::Sync makes all of them durable;
//   4. commit: committed = the last end per partition, plan cleared, state saved durably.
// A crash before 1 loses nothing (the records are re-read); between 1 and 4 the restarted
// connector replays the plan with exactly its cuts — whatever the clock says now — so the
// same keys get the same bytes; after 4 the objects are done. So the wall-clock rotation is
// exactly-once too: its cut is decided once, recorded, and never re-decided.
//
// Bad records: errors.tolerance=none stops the partition's task (status shows the error,
// nothing at or after the record is written; other partitions go on; a restart retries);
// errors.tolerance=all skips it and, with a dead-letter topic, produces it there with
// __connect.errors.* headers (at least once, like Kafka Connect's reporter).
//
// Control (Kafka Connect's pause / resume / restart): Pause and RequestRestart only set a flag
// or queue a request and wake the worker (cheap, callable from a reactor); the worker applies
// them between passes. A paused connector reads and writes nothing (open objects stay open,
// the lag grows) and resumes where it stopped, so nothing is lost or written twice; the paused
// state survives a restart of the process (the file <state_dir>/paused, written by the worker).
// A task restart drops what the task holds in memory and re-reads from its committed offset
// (replaying a recorded plan, if any) — the recovery path, so exactly-once holds.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/file_system.h"
#include "common/mutex.h"
#include "objstore/object_store.h"
#include "sink/partition_task.h"
#include "sink/record_formatter.h"
#include "sink/sink_config.h"
#include "sink/sink_state.h"
#include "sink/source_log.h"

namespace pinpipe::sink {

struct SinkRuntime {
  FileSystem* fs = nullptr;   // for the state; null = FileSystem::Default()
  std::string state_dir;      // <data.dir>/state/sink
  // Wall clock: time-based rotation (rotate.schedule.interval.ms), wallclock timestamps, the
  // partition refresh; tests pass a ManualClock.
  const Clock* clock = &Clock::System();
  // Test seam: called at "planned", "uploaded" (after the first object of a round) and
  // "synced"; an error aborts the round there, as a crash would.
  std::function<Status(std::string_view point)> hook;
};

// What a restart covers (Connect's POST /connectors/{name}/restart?includeTasks&onlyFailed and
// POST /connectors/{name}/tasks/{id}/restart).
struct RestartRequest {
  bool include_tasks = false;  // false: the connector only (re-lists partitions, clears the round error)
  bool only_failed = false;    // only tasks in FAILED state
  std::optional<TopicPartition> task;  // one task only
};

struct SinkCounters {
  uint64_t records = 0;  // written into objects
  uint64_t objects = 0;
  uint64_t bytes = 0;
  uint64_t rounds = 0;
};

// What the dashboard's sink page shows beside the state: per partition the open object
// (records and bytes buffered, since when, the next rotation) and the last objects committed.
// Published by the worker about once a second; objects are counted per flush, never per record.
struct SinkLiveObjects {
  struct Object {
    std::string key;
    uint64_t bytes = 0;
    int64_t records = 0, start = 0, end = 0;  // offsets [start, end)
    int64_t committed_ms = 0;                 // wall clock of the round's commit
  };
  struct Partition {
    int64_t open_start = 0, open_records = 0;
    uint64_t open_bytes = 0;
    int64_t open_since_ms = -1;         // wall clock of the open object's first record; -1 = empty
    int64_t open_first_record_ms = -1;  // that record's timestamp
    int64_t rotate_at_ms = -1;          // wall-clock rotation (rotate.schedule.interval.ms); -1 = none
    std::vector<Object> recent;         // newest last, at most kRecent
  };
  static constexpr size_t kRecent = 10;
  int64_t updated_ms = 0;
  int64_t flush_size = 0, rotate_interval_ms = -1, rotate_schedule_interval_ms = -1;
  std::map<TopicPartition, Partition> partitions;
};

class SinkConnector {
 public:
  static Result<std::unique_ptr<SinkConnector>> Create(SinkConfig cfg, log::LogReader* source,
                                                       objstore::ObjectStore* store,
                                                       SinkRuntime rt);
  ~SinkConnector();  // Stop()

  // Runs the worker thread until Stop().
  Status Start();
  // Stops the worker (open objects are not flushed: their records are re-read next time).
  void Stop();

  // Synchronous: polls and flushes until every partition has reached the high watermark it
  // saw; with `flush_open` the open objects are then cut and flushed too (`sink --once`).
  // Returns the first error that stopped a round (task failures are not errors here).
  Status RunUntilCaughtUp(bool flush_open);

  // Kafka Connect's pause and resume: asynchronous, idempotent (see the top of this file).
  void Pause();
  void Resume();
  bool paused() const { return paused_.load(std::memory_order_relaxed); }
  // Queues a restart; the worker applies it before its next pass.
  void RequestRestart(RestartRequest request);

  SinkState Snapshot();
  // Health for /healthz, cheap and non-blocking for a reactor: why the sink is not landing
  // records — the last flush round's upload failure (cleared by the next good round) and
  // partitions whose task stopped (errors.tolerance=none). Empty when healthy.
  std::vector<std::string> Problems() const;
  SinkCounters counters() const;
  // The state as of the last status refresh (about once a second while running; null before
  // the first): a shared copy, cheap and non-blocking for a reactor (`GET /connectors/.../status`).
  std::shared_ptr<const SinkState> LiveState() const;
  // The open and last objects as of the last publication (null before the first).
  std::shared_ptr<const SinkLiveObjects> LiveObjects() const;
  const SinkConfig& config() const { return cfg_; }
  // The error that stopped the worker, if any (e.g. repeated upload failures are retried,
  // but a hook's simulated crash stops it).
  Status worker_status();

 private:
  SinkConnector(SinkConfig cfg, log::LogReader* source, objstore::ObjectStore* store, SinkRuntime rt);
  Status Init();
  void RefreshPartitions();
  // The partition's topic was deleted (a fetch answered kNotFound): forgets its task, its
  // open objects and its state (saved durably), so a topic created again under the name is
  // copied from offset 0 as a new partition. Objects already written stay in the lake.
  void DropDeletedPartitions(const std::vector<TopicPartition>& gone);
  // Reads what is available for one partition; true if it reached the high watermark.
  Result<bool> Poll(PartitionTask& task, PartitionState& st) REQUIRES(state_mu_);
  void ReportErrant(PartitionTask& task, const log::RecordView& rec) REQUIRES(state_mu_);
  bool RoundDue() const;
  Status FlushRound();
  void Run();
  void WaitForWork(int64_t timeout_ms);
  void MaybeWriteStatus(bool force);
  // Applies queued restarts and persists the paused flag (worker thread).
  void ApplyControl();
  int64_t Now() const;
  std::string PausedMarker() const { return rt_.state_dir + "/paused"; }

  SinkConfig cfg_;
  log::LogReader* source_;
  objstore::ObjectStore* store_;
  SinkRuntime rt_;
  StateStore state_store_;
  RecordFormatter formatter_;

  Mutex state_mu_;
  SinkState state_ GUARDED_BY(state_mu_);  // written by the worker, read by Snapshot
  std::map<TopicPartition, std::unique_ptr<PartitionTask>> tasks_;
  std::map<TopicPartition, bool> caught_up_;
  int64_t last_refresh_ms_ = -1;
  int64_t last_status_ms_ = 0;
  bool status_dirty_ = true;

  std::string fetch_buf_;
  std::string key_buf_;
  std::string encoded_buf_;  // time-based layout: the encoded partition of the key being built
  std::vector<log::Header> header_scratch_;

  std::thread worker_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> paused_{false};
  bool paused_on_disk_ = false;  // worker thread only
  Mutex control_mu_;
  std::vector<RestartRequest> restarts_ GUARDED_BY(control_mu_);
  std::atomic<bool> restart_pending_{false};
  Mutex wake_mu_;
  CondVar wake_cv_;
  bool woken_ GUARDED_BY(wake_mu_) = false;
  Mutex worker_mu_;
  Status worker_status_ GUARDED_BY(worker_mu_);

  mutable Mutex health_mu_;  // never held while doing I/O
  std::string round_error_ GUARDED_BY(health_mu_);
  std::map<TopicPartition, std::string> failed_tasks_ GUARDED_BY(health_mu_);
  std::shared_ptr<const SinkState> live_ GUARDED_BY(health_mu_);
  std::shared_ptr<const SinkLiveObjects> live_objects_ GUARDED_BY(health_mu_);
  // Worker thread: the last objects committed per partition, and when the view was published.
  std::map<TopicPartition, std::vector<SinkLiveObjects::Object>> recent_;
  int64_t last_objects_ms_ = 0;
  void PublishObjects(int64_t now_ms);
  void SetRoundError(std::string error);
  void NoteFailedTask(const TopicPartition& tp, const std::string& error);

  std::atomic<uint64_t> c_records_{0}, c_objects_{0}, c_bytes_{0}, c_rounds_{0};
};

}  // namespace pinpipe::sink
