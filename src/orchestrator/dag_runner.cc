#include "orchestrator/dag_runner.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <exception>
#include <map>
#include <thread>

#include "common/logging.h"
#include "common/mutex.h"
#include "orchestrator/civil_time.h"

namespace pinpipe::orchestrator {
namespace {

std::chrono::microseconds Since(const Clock& clock, int64_t steady_us) {
  return std::chrono::microseconds(clock.SteadyUs() - steady_us);
}

// Exceptions never cross the worker thread: they become a task failure.
Result<TaskStats> InvokeTask(const TaskDefinition& t, const TaskContext& ctx) {
  try {
    return t.fn(ctx);
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal, std::string("task threw an exception: ") + e.what());
  } catch (...) {
    return MakeError(ErrorCode::kInternal, "task threw an unknown exception");
  }
}

TaskInstanceRecord ToRecord(const TaskOutcome& o) {
  TaskInstanceRecord r;
  r.task_id = o.task_id;
  r.state = o.state;
  r.attempts = o.attempts;
  r.start_us = o.start_us;
  r.duration_us = o.duration.count();
  r.records_in = o.stats.records_in;
  r.records_out = o.stats.records_out;
  r.records_quarantined = o.stats.records_quarantined;
  r.summary = o.stats.summary;
  r.error = o.error;
  return r;
}

// History writes during a run are best effort: a full disk must not hide the tasks' outcome.
void Record(RunHistory* history, int64_t run_pk, const TaskOutcome& o) {
  if (!history) return;
  if (auto st = history->UpdateTask(run_pk, ToRecord(o)); !st) {
    spdlog::warn("run history: task {}: {}", o.task_id, st.error().message());
  }
}

// The task run's log in the history (run_history.h TaskLog): the runner's account of each
// attempt, the task's progress and its outcome, so the dashboard can show and tail it. Best
// effort like Record.
void LogLine(RunHistory* history, int64_t run_pk, std::string_view task_id, int attempt, const Clock& clock,
             const std::string& line) {
  if (!history) return;
  if (auto st = history->AppendTaskLog(run_pk, task_id, attempt, clock.WallUs(), line); !st) {
    spdlog::warn("run history: log of task {}: {}", task_id, st.error().message());
  }
}

std::string Seconds(std::chrono::microseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", static_cast<double>(d.count()) / 1e6);
  return buf;
}

// Forwards a task's progress to the run's observer and logs it at each tenth of the way (and
// at the end), so a long task's log moves while it runs without a line per update.
class LoggingProgress final : public ProgressReporter {
 public:
  LoggingProgress(ProgressReporter* next, RunHistory* history, int64_t run_pk, int attempt, const Clock& clock)
      : next_(next), history_(history), run_pk_(run_pk), attempt_(attempt), clock_(clock) {}
  void Update(std::string_view task_id, int64_t done, int64_t total) override {
    if (next_) next_->Update(task_id, done, total);
    const int64_t tenth = total > 0 ? std::clamp<int64_t>(done * 10 / total, 0, 10) : -1;
    {
      MutexLock lock(mu_);
      if (tenth == last_tenth_ || (tenth < 0 && done == last_done_)) return;
      last_tenth_ = tenth;
      last_done_ = done;
    }
    LogLine(history_, run_pk_, task_id, attempt_, clock_,
            total > 0 ? "progress " + std::to_string(done) + " / " + std::to_string(total) : "progress " + std::to_string(done));
  }

 private:
  ProgressReporter* next_;
  RunHistory* history_;
  int64_t run_pk_;
  int attempt_;
  const Clock& clock_;
  Mutex mu_;
  int64_t last_tenth_ GUARDED_BY(mu_) = -2;
  int64_t last_done_ GUARDED_BY(mu_) = -1;
};

// Runs attempts of one task until it succeeds, runs out of retries or the run is cancelled.
// `first_attempt` > 1 continues the numbering of earlier attempts (external runs).
void ExecuteTask(const DagDefinition& dag, const TaskDefinition& task, const std::string& run_id,
                 const std::string& logical_date, int first_attempt, int max_attempts,
                 const std::atomic<bool>* cancel, RunObserver* observer, RunHistory* history,
                 int64_t run_pk, const Clock& clock, TaskOutcome& out) {
  const int64_t started = clock.SteadyUs();
  out.start_us = clock.WallUs();
  for (int attempt = first_attempt;; ++attempt) {
    out.attempts = attempt;
    out.state = TaskState::kRunning;
    out.duration = Since(clock, started);
    Record(history, run_pk, out);
    if (observer) observer->OnTaskStart(task.id, attempt);
    auto log = [&](const std::string& line) { LogLine(history, run_pk, task.id, attempt, clock, line); };
    log("attempt " + std::to_string(attempt) + " of " + std::to_string(first_attempt + max_attempts - 1) +
        " started: run " + run_id + ", logical date " + logical_date);
    const int64_t attempt_started = clock.SteadyUs();
    LoggingProgress progress(observer, history, run_pk, attempt, clock);
    TaskContext ctx{dag.id(), task.id, run_id, logical_date, attempt, &progress, cancel};
    auto r = InvokeTask(task, ctx);
    out.duration = Since(clock, started);
    const std::string took = Seconds(Since(clock, attempt_started));
    if (r) {
      out.stats = std::move(*r);
      if (!out.stats.skip_reason.empty()) {
        out.state = TaskState::kSkipped;
        out.error = "skipped: " + out.stats.skip_reason;
        log("skipped after " + took + ": " + out.stats.skip_reason);
        return;
      }
      out.state = TaskState::kSuccess;
      log("rows in " + std::to_string(out.stats.records_in) + ", out " + std::to_string(out.stats.records_out) +
          ", quarantined " + std::to_string(out.stats.records_quarantined) +
          (out.stats.summary.empty() ? "" : "; " + out.stats.summary));
      log("succeeded in " + took);
      return;
    }
    out.error = r.error().message();
    log("attempt " + std::to_string(attempt) + " failed after " + took + ": " + out.error);
    if (!IsRetryable(r.error())) {
      out.state = TaskState::kFailed;
      out.error += " (not retried: another attempt cannot fix this)";
      log("failed: not retried (another attempt cannot fix this)");
      return;
    }
    const bool cancelled = cancel && cancel->load();
    if (attempt - first_attempt + 1 >= max_attempts || cancelled) {
      out.state = TaskState::kFailed;
      if (cancelled && attempt - first_attempt + 1 < max_attempts) out.error += " (run cancelled)";
      log(cancelled ? "failed: the run was cancelled" : "failed: no attempt left");
      return;
    }
    out.state = TaskState::kUpForRetry;
    Record(history, run_pk, out);
    const auto delay = dag.RetryDelayOf(task);
    log("up for retry in " + Seconds(std::chrono::duration_cast<std::chrono::microseconds>(delay)));
    if (observer) observer->OnTaskRetry(task.id, attempt, r.error(), delay);
    clock.Sleep(delay.count(), cancel);
  }
}

// The shared state of one run's worker threads, all guarded by mu.
class Execution {
 public:
  Execution(const DagDefinition& dag, const RunOptions& opts, RunHistory* history,
            DagRunResult& result, const std::vector<std::string>& order)
      : dag_(dag), opts_(opts), history_(history), result_(result) {
    for (size_t i = 0; i < order.size(); ++i) index_[order[i]] = i;
    remaining_.assign(order.size(), 0);
    downstream_.resize(order.size());
    for (const auto& [up, down] : dag.edges()) {
      downstream_[index_[up]].push_back(index_[down]);
      ++remaining_[index_[down]];
    }
    for (size_t i = 0; i < order.size(); ++i) {
      if (remaining_[i] == 0) ready_.push_back(i);
    }
  }

  void Worker() {
    UniqueMutexLock lock(mu_);
    while (true) {
      while (ready_.empty() && finished_ != remaining_.size()) cv_.Wait(mu_);
      if (finished_ == remaining_.size()) return;
      const size_t i = ready_.front();
      ready_.pop_front();
      TaskOutcome& out = result_.tasks[i];
      if (opts_.cancel && opts_.cancel->load()) {
        out.state = TaskState::kSkipped;
        out.error = "run cancelled";
        Record(history_, result_.id, out);
        LogLine(history_, result_.id, out.task_id, 0, *opts_.clock, "not run: the run was cancelled");
        if (opts_.observer) opts_.observer->OnTaskEnd(out);
        Finish(i, false);
        continue;
      }
      const TaskDefinition& task = *dag_.FindTask(out.task_id);
      lock.unlock();
      ExecuteTask(dag_, task, result_.run_id, result_.logical_date, 1, 1 + dag_.RetriesOf(task),
                  opts_.cancel, opts_.observer, history_, result_.id, *opts_.clock, out);
      Record(history_, result_.id, out);
      if (opts_.observer) opts_.observer->OnTaskEnd(out);
      lock.lock();
      Finish(i, out.state == TaskState::kSuccess);
    }
  }

 private:
  // A task reached a final state: release or fail its downstream tasks.
  void Finish(size_t i, bool ok) REQUIRES(mu_) {
    ++finished_;
    for (size_t d : downstream_[i]) {
      TaskOutcome& down = result_.tasks[d];
      if (down.state != TaskState::kPending) continue;
      if (ok) {
        if (--remaining_[d] == 0) ready_.push_back(d);
        continue;
      }
      // A skipped upstream (cancelled run, or no input) skips its downstream tasks too.
      const TaskOutcome& up = result_.tasks[i];
      const bool skipped = up.state == TaskState::kSkipped;
      down.state = skipped ? TaskState::kSkipped : TaskState::kUpstreamFailed;
      down.error = !skipped ? "upstream task '" + up.task_id + "' failed"
                   : up.error.starts_with("skipped: ") ? up.error
                                                       : std::string("run cancelled");
      Record(history_, result_.id, down);
      LogLine(history_, result_.id, down.task_id, 0, *opts_.clock, "not run: " + down.error);
      if (opts_.observer) opts_.observer->OnTaskEnd(down);
      Finish(d, false);
    }
    cv_.NotifyAll();
  }

  const DagDefinition& dag_;
  const RunOptions& opts_;
  RunHistory* history_;
  DagRunResult& result_;
  std::map<std::string, size_t, std::less<>> index_;
  std::vector<int> remaining_;  // upstreams not yet succeeded
  std::vector<std::vector<size_t>> downstream_;
  Mutex mu_;
  CondVar cv_;
  std::deque<size_t> ready_ GUARDED_BY(mu_);
  size_t finished_ GUARDED_BY(mu_) = 0;
};

}  // namespace

std::string MakeRunId(Trigger trigger, const std::string& logical_date, const Clock& clock) {
  const auto now = std::chrono::sys_time<std::chrono::microseconds>(
      std::chrono::microseconds(clock.WallUs()));
  const auto secs = std::chrono::floor<std::chrono::seconds>(now);
  const auto micros = (now - secs).count();
  std::string iso = FormatIso(TimePoint(secs.time_since_epoch()));  // 2026-11-22T10:15:02Z
  std::string compact;
  for (char c : iso) {
    if (c != '-' && c != ':' && c != 'Z') compact.push_back(c);
  }
  char frac[32];
  std::snprintf(frac, sizeof frac, ".%06lldZ", static_cast<long long>(micros));
  return std::string(TriggerName(trigger)) + "__" + logical_date + "__" + compact + frac;
}

Result<DagRunResult> RunDag(const DagDefinition& dag, const RunOptions& options,
                            RunHistory* history) {
  PINPIPE_RETURN_IF_ERROR(dag.Validate());
  PINPIPE_RETURN_IF_ERROR(ParseDate(options.logical_date));
  PINPIPE_ASSIGN_OR_RETURN(auto order, dag.TopologicalOrder());

  DagRunResult result;
  result.dag_id = dag.id();
  result.logical_date = options.logical_date;
  result.run_id = options.run_id.empty()
                       ? MakeRunId(options.trigger, options.logical_date, *options.clock)
                       : options.run_id;
  for (const auto& id : order) {
    TaskOutcome t;
    t.task_id = id;
    result.tasks.push_back(std::move(t));
  }
  const Clock& clock = *options.clock;
  const int64_t started = clock.SteadyUs();
  std::unique_ptr<RunLease> lease;  // held until the run's final state is recorded
  if (history) {
    // Settle runs of processes that died before this one starts (a long-lived scheduler
    // would otherwise only see them at its next start).
    if (auto reaped = history->ReapAbandonedRuns(clock.WallUs()); !reaped) {
      spdlog::warn("run history: checking for abandoned runs: {}", reaped.error().message());
    }
    DagRunRecord rec;
    rec.dag_id = dag.id();
    rec.run_id = result.run_id;
    rec.logical_date = options.logical_date;
    rec.trigger = options.trigger;
    rec.state = RunState::kRunning;
    rec.start_us = clock.WallUs();
    rec.scheduled_for = options.scheduled_for;
    PINPIPE_ASSIGN_OR_RETURN(result.id, history->CreateRun(rec, order));
    auto held = history->HoldRun(result.id);
    if (held) {
      lease = std::move(*held);
    } else {
      spdlog::warn("run {}: no lease ({}); if this process dies the run stays 'running'",
                   result.run_id, held.error().message());
    }
  }
  if (options.observer) options.observer->OnRunStart(result);

  {
    Execution exec(dag, options, history, result, order);
    const size_t n = std::clamp<size_t>(static_cast<size_t>(std::max(options.parallelism, 1)), 1,
                                        std::max<size_t>(order.size(), 1));
    std::vector<std::thread> workers;
    for (size_t i = 0; i < n; ++i) workers.emplace_back([&exec] { exec.Worker(); });
    for (auto& w : workers) w.join();
  }

  const bool ok = std::all_of(result.tasks.begin(), result.tasks.end(),
                              [](const TaskOutcome& t) { return t.state == TaskState::kSuccess; });
  // Skipped (no input) only when nothing failed and the run was not cancelled.
  const bool no_input =
      !(options.cancel && options.cancel->load()) &&
      std::any_of(result.tasks.begin(), result.tasks.end(),
                  [](const TaskOutcome& t) { return !t.stats.skip_reason.empty(); }) &&
      std::none_of(result.tasks.begin(), result.tasks.end(), [](const TaskOutcome& t) {
        return t.state == TaskState::kFailed || t.state == TaskState::kUpstreamFailed;
      });
  result.state = ok ? RunState::kSuccess : no_input ? RunState::kSkipped : RunState::kFailed;
  result.duration = Since(clock, started);
  if (history) {
    if (auto st = history->FinishRun(result.id, result.state, clock.WallUs()); !st) {
      return std::unexpected(st.error());
    }
  }
  return result;
}

Result<TaskOutcome> RunSingleTask(const DagDefinition& dag, std::string_view task_id,
                                  const std::string& logical_date, RunHistory* history,
                                  RunObserver* observer, const std::atomic<bool>* cancel) {
  const Clock& clock = Clock::System();
  PINPIPE_RETURN_IF_ERROR(ParseDate(logical_date));
  const TaskDefinition* task = dag.FindTask(task_id);
  if (!task) {
    return MakeError(ErrorCode::kNotFound,
                     "DAG '" + dag.id() + "' has no task '" + std::string(task_id) + "'");
  }
  PINPIPE_ASSIGN_OR_RETURN(auto order, dag.TopologicalOrder());
  TaskOutcome out;
  out.task_id = task->id;
  int64_t run_pk = 0;
  int first_attempt = 1;
  std::string run_id = "external__" + logical_date;
  if (history) {
    DagRunRecord rec;
    rec.dag_id = dag.id();
    rec.run_id = run_id;
    rec.logical_date = logical_date;
    rec.trigger = Trigger::kExternal;
    rec.start_us = clock.WallUs();
    PINPIPE_ASSIGN_OR_RETURN(auto run, history->FindOrCreateRun(rec, order));
    run_pk = run.id;
    PINPIPE_ASSIGN_OR_RETURN(auto previous, history->Task(run_pk, task->id));
    if (previous) first_attempt = previous->attempts + 1;
    // A new attempt re-opens a finished run.
    PINPIPE_RETURN_IF_ERROR(history->FinishRun(run_pk, RunState::kRunning, 0));
  }
  std::unique_ptr<RunLease> lease;  // this task of the external run, until it is recorded
  if (history) {
    auto held = history->HoldRun(run_pk, task->id);
    if (held) {
      lease = std::move(*held);
    } else {
      spdlog::warn("run {} task {}: no lease ({})", run_id, task->id, held.error().message());
    }
  }
  ExecuteTask(dag, *task, run_id, logical_date, first_attempt, 1, cancel, observer, history,
              run_pk, clock, out);
  if (history) {
    PINPIPE_RETURN_IF_ERROR(history->UpdateTask(run_pk, ToRecord(out)));
    PINPIPE_RETURN_IF_ERROR(history->RefreshRunState(run_pk, clock.WallUs()));
  }
  if (observer) observer->OnTaskEnd(out);
  return out;
}

}  // namespace pinpipe::orchestrator
