// RunHistory: DAG runs and task instances in SQLite (<data.dir>/state/runs.db). WAL mode and a
// busy timeout make it safe for the scheduler inside `serve` and CLI processes at once; one
// RunHistory object is thread-safe (its connection is used under a mutex).
//
// Runs of a process that died: whoever drives a run holds its RunLease (run_lease.h) in
// <dir of runs.db>/run_locks/. Open() and ReapAbandonedRuns() mark every "running" run whose
// lease is no longer held as failed, its unfinished tasks failed/skipped with the reason.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "orchestrator/run_lease.h"

struct sqlite3;

namespace pinpipe::orchestrator {

enum class Trigger { kManual, kScheduled, kBackfill, kExternal };
// kSkipped: a task found no input (TaskStats::skip_reason) and dag.on_no_input=skip.
enum class RunState { kRunning, kSuccess, kFailed, kSkipped };
enum class TaskState {
  kPending,         // not started yet
  kRunning,
  kUpForRetry,      // an attempt failed, another will follow
  kSuccess,
  kFailed,
  kUpstreamFailed,  // never ran: an upstream failed
  kSkipped,         // never ran (the run was cancelled or skipped), or found no input
};

std::string_view TriggerName(Trigger t);
std::string_view RunStateName(RunState s);
std::string_view TaskStateName(TaskState s);
Result<Trigger> ParseTrigger(std::string_view s);
Result<RunState> ParseRunState(std::string_view s);
Result<TaskState> ParseTaskState(std::string_view s);

struct DagRunRecord {
  int64_t id = 0;  // row id, shown by `dag runs`
  std::string dag_id;
  std::string run_id;
  std::string logical_date;
  Trigger trigger = Trigger::kManual;
  RunState state = RunState::kRunning;
  int64_t start_us = 0;
  int64_t end_us = 0;  // 0 while running
  std::optional<int64_t> scheduled_for;  // fire time (epoch seconds) of a scheduled run
};

struct TaskInstanceRecord {
  std::string task_id;
  TaskState state = TaskState::kPending;
  int attempts = 0;
  int64_t start_us = 0;
  int64_t duration_us = 0;
  int64_t records_in = 0;
  int64_t records_out = 0;
  int64_t records_quarantined = 0;
  std::string summary;
  std::string error;  // message of the last failed attempt
};

// One line of a task instance's log (the runner's account of its attempts, progress and
// outcome), numbered from 1 per (run, task).
struct TaskLogLine {
  int64_t seq = 0;
  int64_t ts_us = 0;
  int attempt = 0;
  std::string line;
};
// A task run's log is bounded: after this many lines one marker says later lines were dropped.
inline constexpr int64_t kMaxTaskLogLines = 2000;
inline constexpr size_t kMaxTaskLogLineBytes = 4096;  // longer lines are cut

class RunHistory {
 public:
  static std::string DefaultPath(std::string_view data_dir);  // <data_dir>/state/runs.db
  // Creates the file, its directory and the schema if needed.
  static Result<std::unique_ptr<RunHistory>> Open(const std::string& path);
  ~RunHistory();
  RunHistory(const RunHistory&) = delete;
  RunHistory& operator=(const RunHistory&) = delete;

  // The lease a driver holds while it works on run `id` (or on one task of it, for runs driven
  // task by task from outside). Null when the history has no directory for leases (":memory:").
  Result<std::unique_ptr<RunLease>> HoldRun(int64_t id, std::string_view task_id = {});
  // Marks the runs still "running" whose driver died (lease left behind, no longer held) as
  // failed: their running tasks failed with "abandoned: ..." and the holder's pid, pending
  // tasks skipped. Returns how many runs were reaped. Open() calls it.
  Result<int> ReapAbandonedRuns(int64_t now_us);

  // Inserts the run (id is assigned) with its tasks pending. kAlreadyExists if the DAG
  // already has a run with this run_id.
  Result<int64_t> CreateRun(const DagRunRecord& run, const std::vector<std::string>& task_ids);
  // The run with this run_id, created as in CreateRun if absent (for `task run`).
  Result<DagRunRecord> FindOrCreateRun(const DagRunRecord& run,
                                       const std::vector<std::string>& task_ids);
  Status FinishRun(int64_t id, RunState state, int64_t end_us);
  // Recomputes a run's state from its tasks: failed if any failed, success if all succeeded,
  // running otherwise (used for runs driven task by task from outside).
  Status RefreshRunState(int64_t id, int64_t now_us);
  Status UpdateTask(int64_t run_pk, const TaskInstanceRecord& task);
  // Appends a line to the log of `task_id` in run `run_pk` (bounded, see kMaxTaskLogLines).
  Status AppendTaskLog(int64_t run_pk, std::string_view task_id, int attempt, int64_t ts_us,
                       std::string_view line);
  // The log's lines numbered above `after_seq`, oldest first, at most `limit` (a tail reader
  // passes the last seq it has).
  Result<std::vector<TaskLogLine>> TaskLog(int64_t run_pk, std::string_view task_id,
                                           int64_t after_seq, int limit) const;

  // Newest first; dag_id empty = all DAGs; limit <= 0 = no limit.
  Result<std::vector<DagRunRecord>> ListRuns(std::string_view dag_id, int limit) const;
  // By run_id (unique within a DAG; the newest if several DAGs share it) or by numeric id.
  Result<std::optional<DagRunRecord>> FindRun(std::string_view run_id_or_id) const;
  Result<std::vector<TaskInstanceRecord>> Tasks(int64_t run_pk) const;
  Result<std::optional<TaskInstanceRecord>> Task(int64_t run_pk, std::string_view task_id) const;
  Result<bool> HasSuccessfulRun(std::string_view dag_id, std::string_view logical_date) const;
  // Latest fire time (epoch seconds) of a scheduled run of the DAG.
  Result<std::optional<int64_t>> LastScheduledFire(std::string_view dag_id) const;
  Result<int64_t> CountRuns(std::string_view dag_id) const;

 private:
  RunHistory(sqlite3* db, std::string lock_dir) : db_(db), lock_dir_(std::move(lock_dir)) {}
  Result<std::vector<DagRunRecord>> QueryRuns(const std::string& sql,
                                              const std::vector<std::string>& args) const;
  mutable Mutex mu_;
  sqlite3* db_ GUARDED_BY(mu_);  // one connection, used by one thread at a time
  std::string lock_dir_;  // empty: no leases
};

}  // namespace pinpipe::orchestrator
