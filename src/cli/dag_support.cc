#include "cli/dag_support.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "cli/builtin_dags.h"
#include "common/logging.h"
#include "common/mutex.h"
#include "orchestrator/fault_injection.h"
#include "report/task_summary.h"

namespace pinpipe::cli {

Result<std::unique_ptr<DagEnvironment>> LoadDagEnvironment(const Config& cfg) {
  auto env = std::make_unique<DagEnvironment>();
  PINPIPE_RETURN_IF_ERROR(RegisterBuiltinDags(env->registry, cfg));
  PINPIPE_ASSIGN_OR_RETURN(int64_t parallelism, cfg.GetInt("dag.parallelism"));
  env->parallelism = static_cast<int>(std::clamp<int64_t>(parallelism, 1, 256));
  // A test hook, not a setting: PINPIPE_TEST_FAIL_TASK=task[:N],... fails the first N attempts
  // of those tasks (no N = every attempt), to exercise retries on the real binary.
  const char* fail_spec = std::getenv("PINPIPE_TEST_FAIL_TASK");
  PINPIPE_ASSIGN_OR_RETURN(auto failures,
                           orchestrator::ParseFailureSpec(fail_spec ? fail_spec : ""));
  for (const auto& d : env->registry.dags()) {
    orchestrator::DagDefinition dag = d;
    if (!cfg.GetString("dag.retries").empty()) {
      PINPIPE_ASSIGN_OR_RETURN(int64_t r, cfg.GetInt("dag.retries"));
      dag.retries = static_cast<int>(std::max<int64_t>(r, 0));
    }
    if (!cfg.GetString("dag.retry_delay_ms").empty()) {
      PINPIPE_ASSIGN_OR_RETURN(int64_t ms, cfg.GetInt("dag.retry_delay_ms"));
      dag.retry_delay = std::chrono::milliseconds(std::max<int64_t>(ms, 0));
    }
    orchestrator::InjectFailures(dag, failures);
    PINPIPE_RETURN_IF_ERROR(env->registry.Replace(std::move(dag)));
  }
  PINPIPE_ASSIGN_OR_RETURN(env->history, orchestrator::RunHistory::Open(
                                             orchestrator::RunHistory::DefaultPath(cfg.DataDir())));
  return env;
}

void TerminalRunObserver::OnRunStart(const orchestrator::DagRunResult& run) {
  MutexLock lock(mu_);
  for (const auto& t : run.tasks) id_width_ = std::max(id_width_, t.task_id.size());
  std::fprintf(out_, "%s: run %s for %s (%zu tasks)\n", run.dag_id.c_str(), run.run_id.c_str(),
               run.logical_date.c_str(), run.tasks.size());
  std::fflush(out_);
}

void TerminalRunObserver::OnTaskRetry(std::string_view task_id, int attempt, const Error& error,
                                      std::chrono::milliseconds delay) {
  MutexLock lock(mu_);
  std::fprintf(stderr, "%.*s: attempt %d failed: %s; retrying in %s\n",
               static_cast<int>(task_id.size()), task_id.data(), attempt, error.message().c_str(),
               report::FormatSeconds(static_cast<double>(delay.count()) / 1000).c_str());
  std::fflush(stderr);
}

void TerminalRunObserver::OnTaskEnd(const orchestrator::TaskOutcome& o) {
  report::TaskSummary s;
  s.task_id = o.task_id;
  s.state = std::string(orchestrator::TaskStateName(o.state));
  s.attempts = o.attempts;
  s.seconds = static_cast<double>(o.duration.count()) / 1e6;
  s.records_in = o.stats.records_in;
  s.records_out = o.stats.records_out;
  s.records_quarantined = o.stats.records_quarantined;
  s.summary = o.stats.summary;
  s.error = o.error;
  MutexLock lock(mu_);
  std::fprintf(out_, "  %s\n", report::FormatTaskSummaryLine(s, id_width_).c_str());
  std::fflush(out_);
}

void TerminalRunObserver::PrintRunEnd(const orchestrator::DagRunResult& run) {
  MutexLock lock(mu_);
  std::string failed;
  for (const auto& t : run.tasks) {
    if (t.state == orchestrator::TaskState::kFailed) failed += (failed.empty() ? "" : ", ") + t.task_id;
  }
  std::fprintf(out_, "%s: run %s %s in %s%s\n", run.dag_id.c_str(), run.run_id.c_str(),
               std::string(orchestrator::RunStateName(run.state)).c_str(),
               report::FormatSeconds(static_cast<double>(run.duration.count()) / 1e6).c_str(),
               failed.empty() ? "" : (" (failed: " + failed + ")").c_str());
  std::fflush(out_);
}

Result<std::unique_ptr<SchedulerService>> SchedulerService::StartIfEnabled(const Config& cfg) {
  PINPIPE_ASSIGN_OR_RETURN(bool enabled, cfg.GetBool("scheduler.enabled"));
  if (!enabled) return std::unique_ptr<SchedulerService>();
  return Start(cfg);
}

Result<std::unique_ptr<SchedulerService>> SchedulerService::Start(const Config& cfg) {
  std::unique_ptr<SchedulerService> s(new SchedulerService());
  PINPIPE_ASSIGN_OR_RETURN(s->env_, LoadDagEnvironment(cfg));
  s->observer_ = std::make_unique<TerminalRunObserver>(stderr);
  orchestrator::SchedulerOptions opts;
  opts.history = s->env_->history.get();
  opts.parallelism = s->env_->parallelism;
  opts.observer = s->observer_.get();
  auto* observer = s->observer_.get();
  opts.on_run_end = [observer](const orchestrator::DagRunResult& r) { observer->PrintRunEnd(r); };
  s->scheduler_ = std::make_unique<orchestrator::Scheduler>(s->env_->registry, std::move(opts));
  for (const auto& dag : s->env_->registry.dags()) {
    const auto next = dag.schedule.Next(s->scheduler_->started_at());
    spdlog::info("scheduler: {} schedule {} catchup {} next run {}", dag.id(),
                 dag.schedule.expression(), dag.catchup,
                 next ? orchestrator::FormatIso(*next) : std::string("never"));
  }
  s->scheduler_->Start();
  return s;
}

SchedulerService::~SchedulerService() { Stop(); }

void SchedulerService::Stop() {
  if (scheduler_) scheduler_->Stop();
}

void TuneAllocatorForBatch() {
  ::mallopt(M_MMAP_THRESHOLD, 128 << 20);  // larger blocks still get their own mapping
  ::mallopt(M_TRIM_THRESHOLD, 1 << 30);    // keep up to 1 GiB of free heap for reuse
  // One arena per core rather than glibc's 8 per core: the clean tasks run more threads than
  // cores (3 tasks x N workers), and each arena would fault in and keep its own copy of the
  // chunk-sized buffers; with fewer, a freed chunk is reused by the next one. Allocations are
  // per chunk, not per row, so the arenas' locks are not contended. (1M interactions on 2
  // cores: 190-250k -> 120k page faults, 0.6 -> 0.45 s system time, peak RSS -120 MB.)
  ::mallopt(M_ARENA_MAX, static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));
}

}  // namespace pinpipe::cli
