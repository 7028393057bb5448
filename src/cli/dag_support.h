// What the DAG commands share: the registry (built-in DAGs + config overrides + the failure
// test hook), the run history, a terminal observer printing one summary line per task, and
// SchedulerService, which `serve` starts in-process (one line in broker_runtime).
#pragma once

#include <cstdio>
#include <memory>

#include "common/config.h"
#include "common/mutex.h"
#include "orchestrator/dag_registry.h"
#include "orchestrator/run_history.h"
#include "orchestrator/scheduler.h"

namespace pinpipe::cli {

struct DagEnvironment {
  orchestrator::DagRegistry registry;
  std::unique_ptr<orchestrator::RunHistory> history;
  int parallelism = 4;
};

// RegisterBuiltinDags, then dag.retries / dag.retry_delay_ms / PINPIPE_TEST_FAIL_TASK applied to every
// DAG, and the history at <data.dir>/state/runs.db opened.
Result<std::unique_ptr<DagEnvironment>> LoadDagEnvironment(const Config& cfg);

// For the one-shot batch commands (dag run, dag backfill, task run): freed memory stays in
// the process instead of going back to the kernel between part files and chunks (glibc
// would otherwise unmap and re-fault the same few hundred MB over and over: ~5% of a DAG
// run's time). Not used by `serve`, which should give memory back after a run.
void TuneAllocatorForBatch();

// Prints run starts, retries and one aligned summary line per finished task.
class TerminalRunObserver : public orchestrator::RunObserver {
 public:
  explicit TerminalRunObserver(std::FILE* out = stdout) : out_(out) {}
  void OnRunStart(const orchestrator::DagRunResult& run) override;
  void OnTaskRetry(std::string_view task_id, int attempt, const Error& error,
                   std::chrono::milliseconds delay) override;
  void OnTaskEnd(const orchestrator::TaskOutcome& outcome) override;
  // "run <id> success in 1.23 s" (or failed, with the failed tasks).
  void PrintRunEnd(const orchestrator::DagRunResult& run);

 private:
  Mutex mu_;
  std::FILE* out_;
  size_t id_width_ GUARDED_BY(mu_) = 12;
};

// The scheduler on its own thread with its own registry and history connection.
class SchedulerService {
 public:
  // nullptr (and no error) when scheduler.enabled is false.
  static Result<std::unique_ptr<SchedulerService>> StartIfEnabled(const Config& cfg);
  static Result<std::unique_ptr<SchedulerService>> Start(const Config& cfg);
  ~SchedulerService();
  void Stop();
  orchestrator::Scheduler& scheduler() { return *scheduler_; }

 private:
  SchedulerService() = default;
  std::unique_ptr<DagEnvironment> env_;
  std::unique_ptr<TerminalRunObserver> observer_;
  std::unique_ptr<orchestrator::Scheduler> scheduler_;
};

}  // namespace pinpipe::cli
