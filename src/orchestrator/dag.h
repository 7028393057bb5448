// The DAG model: tasks (an id and a callable), dependency edges, a schedule and the retry
// policy. Generic: it knows nothing about what the tasks do.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "orchestrator/cron.h"

namespace pinpipe::orchestrator {

// What a task reports back; shown in the summary line and kept in the run history.
struct TaskStats {
  int64_t records_in = 0;
  int64_t records_out = 0;
  int64_t records_quarantined = 0;
  std::string summary;  // one free-form line, e.g. "wrote pin (11,100 rows, 1 file)"
  // Non-empty: the task found nothing to do ("no input: ..."). It ends skipped, its downstream
  // tasks are skipped too and the run ends "skipped" — visibly not a success.
  std::string skip_reason;
};

// Whether another attempt could fix the error. Configuration and input errors (invalid
// argument, not found, unsupported) fail the task at once: waiting out the retry delay to
// hit the same mistyped URI again only hides it.
bool IsRetryable(const Error& e);

// Receives a task's progress; implementations must be thread-safe (tasks run in parallel).
class ProgressReporter {
 public:
  virtual ~ProgressReporter() = default;
  virtual void Update(std::string_view task_id, int64_t done, int64_t total) = 0;
};

struct TaskContext {
  std::string dag_id;
  std::string task_id;
  std::string run_id;
  std::string logical_date;  // YYYY-MM-DD
  int attempt = 1;           // 1-based
  ProgressReporter* progress = nullptr;         // may be null
  const std::atomic<bool>* cancel = nullptr;    // may be null

  bool cancelled() const { return cancel && cancel->load(std::memory_order_relaxed); }
  void ReportProgress(int64_t done, int64_t total) const {
    if (progress) progress->Update(task_id, done, total);
  }
};

using TaskFn = std::function<Result<TaskStats>(const TaskContext&)>;

struct TaskDefinition {
  std::string id;
  TaskFn fn;
  std::optional<int> retries;  // overrides the DAG's
  std::optional<std::chrono::milliseconds> retry_delay;
};

class DagDefinition {
 public:
  DagDefinition() = default;
  explicit DagDefinition(std::string id) : id_(std::move(id)) {}

  const std::string& id() const { return id_; }
  std::string description;
  CronSchedule schedule;  // default: unscheduled
  bool catchup = false;
  int retries = 1;
  std::chrono::milliseconds retry_delay = std::chrono::minutes(2);
  // First data interval for catchup; unset = the scheduler's start (see scheduler.h).
  std::optional<TimePoint> start_date;

  DagDefinition& AddTask(std::string task_id, TaskFn fn);
  // upstream must finish successfully before downstream starts.
  DagDefinition& AddEdge(std::string upstream, std::string downstream);
  // Airflow-style chains, several separated by ';' or newlines:
  //   "load >> [clean_pin, clean_geo, clean_user] >> analyze"
  Status AddDependencies(std::string_view chains);
  // Every task in the chain must exist, ids are unique and there is no cycle.
  Status Validate() const;

  const std::vector<TaskDefinition>& tasks() const { return tasks_; }
  std::vector<TaskDefinition>& mutable_tasks() { return tasks_; }
  const std::vector<std::pair<std::string, std::string>>& edges() const { return edges_; }
  const TaskDefinition* FindTask(std::string_view task_id) const;
  std::vector<std::string> Upstreams(std::string_view task_id) const;
  std::vector<std::string> Downstreams(std::string_view task_id) const;
  // Task ids in a topological order (ties keep declaration order); error on a cycle.
  Result<std::vector<std::string>> TopologicalOrder() const;

  int RetriesOf(const TaskDefinition& t) const { return t.retries.value_or(retries); }
  std::chrono::milliseconds RetryDelayOf(const TaskDefinition& t) const {
    return t.retry_delay.value_or(retry_delay);
  }

 private:
  std::string id_;
  std::vector<TaskDefinition> tasks_;
  std::vector<std::pair<std::string, std::string>> edges_;
};

}  // namespace pinpipe::orchestrator
