// Scheduler: fires scheduled DAG runs at their cron times, on a thread (inside `pinpipe serve`,
// or alone as `pinpipe scheduler`) or step by step through Tick() in tests.
//
// Logical dates follow Airflow: a run processes the data interval that ENDS at its fire time
// and its logical date is the interval's START. For @daily the run that fires at
// 2026-11-22T00:00Z processes 2026-11-21 (run id "scheduled__2026-11-21T00:00:00Z"); for
// @hourly the run firing at 2026-11-22T00:00Z has logical date 2026-11-21 (interval
// 23:00-00:00). Logical dates are days, so sub-daily schedules share a date.
//
// What is due at time `now` for one DAG (the last fire time comes from the run history, so it
// survives restarts and is shared by several scheduler processes):
//   - after the last scheduled run: every fire time in (last, now] if catchup, otherwise only
//     the latest one — a downtime costs one run, not one per missed interval;
//   - never run and a start_date: fire times after start_date (all with catchup, else latest);
//   - never run and no start_date: fire times from the scheduler's start on (starting the
//     server does not immediately run yesterday's batch);
//   - @once: one run (logical date = the day it fires) if the DAG has no scheduled run yet.
// Runs of one scheduler are sequential (at most one active run per DAG, in order of time).
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "orchestrator/dag_registry.h"
#include "orchestrator/dag_runner.h"
#include "orchestrator/run_history.h"

namespace pinpipe::orchestrator {

struct SchedulerOptions {
  const Clock* clock = &Clock::System();  // due times and waits; passed on to the runs
  RunHistory* history = nullptr;  // required; outlives the scheduler
  int parallelism = 4;
  RunObserver* observer = nullptr;
  std::function<void(const DagRunResult&)> on_run_end;  // called on the scheduler thread
  size_t max_runs_per_tick = 1000;  // bounds a catchup over a very long downtime
};

struct DueRun {
  TimePoint fire;            // when it is due
  TimePoint interval_start;  // the logical date's instant
  std::string logical_date;  // YYYY-MM-DD
  std::string run_id;        // scheduled__<interval start ISO>
};

class Scheduler {
 public:
  // `registry` outlives the scheduler.
  Scheduler(const DagRegistry& registry, SchedulerOptions options);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Starts the background thread (Tick, then wait for the next fire time, repeat).
  void Start();
  // Cancels the run in progress (tasks not yet started are skipped) and joins the thread.
  void Stop();

  // Fires every run due now, oldest first; returns how many DAG runs it started.
  Result<int> Tick();
  // The runs of `dag` due at `now` (does not run them).
  Result<std::vector<DueRun>> Due(const DagDefinition& dag, TimePoint now) const;
  // The earliest fire time after `now` over all scheduled DAGs.
  std::optional<TimePoint> NextFireTime(TimePoint now) const;
  TimePoint started_at() const { return started_at_; }

 private:
  void Loop(std::stop_token stop);
  const DagRegistry& registry_;
  SchedulerOptions options_;
  TimePoint started_at_;
  std::atomic<bool> cancel_{false};
  std::jthread thread_;
};

}  // namespace pinpipe::orchestrator
