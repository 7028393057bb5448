#include "orchestrator/scheduler.h"

#include <algorithm>

#include "common/logging.h"

namespace pinpipe::orchestrator {

Scheduler::Scheduler(const DagRegistry& registry, SchedulerOptions options)
    : registry_(registry), options_(std::move(options)), started_at_(NowUtc(*options_.clock)) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Start() {
  if (thread_.joinable()) return;
  cancel_ = false;
  thread_ = std::jthread([this](std::stop_token stop) { Loop(stop); });
}

void Scheduler::Stop() {
  if (!thread_.joinable()) return;
  cancel_ = true;
  thread_.request_stop();
  thread_.join();
}

void Scheduler::Loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    if (auto fired = Tick(); !fired) {
      spdlog::error("scheduler: {}", fired.error().message());
    }
    if (stop.stop_requested()) break;
    const TimePoint now = NowUtc(*options_.clock);
    // Nothing scheduled: look again in an hour (cheap, and bounded if clocks jump).
    const TimePoint next = NextFireTime(now).value_or(now + std::chrono::hours(1));
    options_.clock->WaitUntilWall(
        std::chrono::duration_cast<std::chrono::milliseconds>(next.time_since_epoch()).count(), stop);
  }
}

Result<std::vector<DueRun>> Scheduler::Due(const DagDefinition& dag, TimePoint now) const {
  std::vector<DueRun> due;
  const CronSchedule& cron = dag.schedule;
  PINPIPE_ASSIGN_OR_RETURN(auto last, options_.history->LastScheduledFire(dag.id()));
  if (cron.once()) {
    if (!last) {
      const auto day = std::chrono::floor<std::chrono::days>(now);
      due.push_back({now, TimePoint(day), FormatDate(now), "scheduled__" + FormatIso(TimePoint(day))});
    }
    return due;
  }
  if (!cron.scheduled()) return due;
  TimePoint from = started_at_ - std::chrono::seconds(1);
  if (last) {
    from = TimePoint(std::chrono::seconds(*last));
  } else if (dag.start_date) {
    from = *dag.start_date;
  }
  auto add = [&](TimePoint fire) {
    const TimePoint start = cron.Previous(fire).value_or(fire);
    due.push_back({fire, start, FormatDate(start), "scheduled__" + FormatIso(start)});
  };
  if (dag.catchup) {
    for (auto f = cron.Next(from); f && *f <= now && due.size() < options_.max_runs_per_tick;
         f = cron.Next(*f)) {
      add(*f);
    }
  } else if (auto latest = cron.Previous(now + std::chrono::seconds(1)); latest && *latest > from) {
    add(*latest);
  }
  return due;
}

std::optional<TimePoint> Scheduler::NextFireTime(TimePoint now) const {
  std::optional<TimePoint> best;
  for (const auto& dag : registry_.dags()) {
    const auto next = dag.schedule.Next(now);
    if (next && (!best || *next < *best)) best = next;
  }
  return best;
}

Result<int> Scheduler::Tick() {
  if (!options_.history) return MakeError(ErrorCode::kInvalidArgument, "scheduler needs a run history");
  int fired = 0;
  const TimePoint now = NowUtc(*options_.clock);
  for (const auto& dag : registry_.dags()) {
    PINPIPE_ASSIGN_OR_RETURN(auto due, Due(dag, now));
    for (const auto& d : due) {
      if (cancel_) return fired;
      spdlog::info("scheduler: {} run {} (logical date {}, due {})", dag.id(), d.run_id,
                   d.logical_date, FormatIso(d.fire));
      RunOptions opts;
      opts.logical_date = d.logical_date;
      opts.trigger = Trigger::kScheduled;
      opts.run_id = d.run_id;
      opts.scheduled_for = d.fire.time_since_epoch().count();
      opts.parallelism = options_.parallelism;
      opts.cancel = &cancel_;
      opts.observer = options_.observer;
      opts.clock = options_.clock;
      auto result = RunDag(dag, opts, options_.history);
      if (!result) {
        // Another scheduler process already claimed this interval: not an error.
        if (result.error().code() == ErrorCode::kAlreadyExists) continue;
        return std::unexpected(result.error());
      }
      ++fired;
      spdlog::info("scheduler: {} run {} {}", dag.id(), d.run_id, RunStateName(result->state));
      if (options_.on_run_end) options_.on_run_end(*result);
    }
  }
  return fired;
}

}  // namespace pinpipe::orchestrator
