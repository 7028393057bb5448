// RunDag: executes one DAG run for a logical date now. Ready tasks start as soon as all their
// upstreams succeeded, up to `parallelism` at once; a failed attempt is retried after the
// retry delay; when a task finally fails its downstream tasks become upstream_failed and the
// run ends failed. Every state change is written to the run history (if one is given).
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "orchestrator/dag.h"
#include "orchestrator/run_history.h"

namespace pinpipe::orchestrator {

struct TaskOutcome {
  std::string task_id;
  TaskState state = TaskState::kPending;
  int attempts = 0;
  int64_t start_us = 0;
  std::chrono::microseconds duration{0};
  TaskStats stats;
  std::string error;  // last failed attempt
};

struct DagRunResult {
  int64_t id = 0;  // history row id (0 without a history)
  std::string dag_id;
  std::string run_id;
  std::string logical_date;
  RunState state = RunState::kRunning;
  std::chrono::microseconds duration{0};
  std::vector<TaskOutcome> tasks;  // in topological order
  bool ok() const { return state == RunState::kSuccess; }
};

// Callbacks from the runner's threads (must be thread-safe); all optional.
class RunObserver : public ProgressReporter {
 public:
  void Update(std::string_view, int64_t, int64_t) override {}
  virtual void OnRunStart(const DagRunResult& /*run*/) {}
  virtual void OnTaskStart(std::string_view /*task_id*/, int /*attempt*/) {}
  virtual void OnTaskRetry(std::string_view /*task_id*/, int /*attempt*/, const Error& /*error*/,
                           std::chrono::milliseconds /*delay*/) {}
  virtual void OnTaskEnd(const TaskOutcome& /*outcome*/) {}
};

struct RunOptions {
  std::string logical_date;  // YYYY-MM-DD
  Trigger trigger = Trigger::kManual;
  std::string run_id;        // empty: "<trigger>__<date>__<start time>"
  std::optional<int64_t> scheduled_for;
  int parallelism = 4;
  const std::atomic<bool>* cancel = nullptr;  // stops starting tasks and cuts retry waits
  RunObserver* observer = nullptr;
  // Run and task start times, durations, retry waits and the run id's time.
  const Clock* clock = &Clock::System();
};

// The error is for problems outside the tasks (invalid DAG or date, history not writable);
// a failed task gives a result with state kFailed.
Result<DagRunResult> RunDag(const DagDefinition& dag, const RunOptions& options,
                            RunHistory* history);

// Runs one task once, without dependency checks (what an external orchestrator calls per
// task). Its instance is recorded under run "external__<date>" with the attempt number
// continuing from earlier attempts of that run; the run's state follows its tasks.
Result<TaskOutcome> RunSingleTask(const DagDefinition& dag, std::string_view task_id,
                                  const std::string& logical_date, RunHistory* history,
                                  RunObserver* observer = nullptr,
                                  const std::atomic<bool>* cancel = nullptr);

// "manual__2026-11-21__20261122T101502.123456Z"
std::string MakeRunId(Trigger trigger, const std::string& logical_date,
                      const Clock& clock = Clock::System());

}  // namespace pinpipe::orchestrator
