#include "orchestrator/scheduler.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "orchestrator/backfill.h"
#include "test_util.h"

namespace pinpipe::orchestrator {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

TimePoint T(const char* iso) { return *ParseIso(iso); }
int64_t Ms(TimePoint t) { return std::chrono::milliseconds(t.time_since_epoch()).count(); }

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = RunHistory::Open(dir_.File("runs.db"));
    ASSERT_TRUE(h);
    history_ = std::move(*h);
  }
  DagDefinition Dag(const char* schedule, bool catchup) {
    DagDefinition dag("daily");
    dag.schedule = *CronSchedule::Parse(schedule);
    dag.catchup = catchup;
    dag.AddTask("t", [this](const TaskContext& ctx) -> Result<TaskStats> {
      std::lock_guard lock(mu_);
      dates_.push_back(ctx.logical_date);
      return TaskStats{};
    });
    return dag;
  }
  std::vector<std::string> Dates() {
    std::lock_guard lock(mu_);
    return dates_;
  }
  std::vector<std::string> ScheduledRunIds() {
    std::vector<std::string> out;
    auto runs = history_->ListRuns("daily", 0);
    for (const auto& r : *runs) out.insert(out.begin(), r.run_id);
    return out;
  }

  TempDir dir_;
  std::unique_ptr<RunHistory> history_;
  std::mutex mu_;
  std::vector<std::string> dates_;
};

TEST_F(SchedulerTest, FiresAtMidnightForThePreviousDay) {
  DagRegistry reg;
  ASSERT_TRUE(reg.Register(Dag("@daily", false)));
  ManualClock clock(1'000'000, Ms(T("2026-11-21T10:00:00Z")));
  SchedulerOptions opts;
  opts.clock = &clock;
  opts.history = history_.get();
  Scheduler s(reg, opts);
  EXPECT_EQ(*s.Tick(), 0);  // first start: nothing before the scheduler started
  EXPECT_EQ(FormatIso(*s.NextFireTime(NowUtc(clock))), "2026-11-22T00:00:00Z");
  clock.SetWallMs(Ms(T("2026-11-21T23:59:59Z")));
  EXPECT_EQ(*s.Tick(), 0);
  clock.SetWallMs(Ms(T("2026-11-22T00:00:00Z")));
  EXPECT_EQ(*s.Tick(), 1);
  EXPECT_EQ(*s.Tick(), 0);  // once per interval
  EXPECT_EQ(Dates(), (std::vector<std::string>{"2026-11-21"}));
  EXPECT_EQ(ScheduledRunIds(), (std::vector<std::string>{"scheduled__2026-11-21T00:00:00Z"}));
  auto run = *history_->FindRun("scheduled__2026-11-21T00:00:00Z");
  EXPECT_EQ(run->trigger, Trigger::kScheduled);
  EXPECT_EQ(run->state, RunState::kSuccess);
}

TEST_F(SchedulerTest, ThreadFiresOnTheManualClock) {
  DagRegistry reg;
  ASSERT_TRUE(reg.Register(Dag("@daily", false)));
  ManualClock clock(1'000'000, Ms(T("2026-11-21T10:00:00Z")));
  SchedulerOptions opts;
  opts.clock = &clock;
  opts.history = history_.get();
  Scheduler s(reg, opts);
  s.Start();
  ASSERT_TRUE(clock.AwaitWaiter());
  EXPECT_TRUE(Dates().empty());
  clock.SetWallMs(Ms(T("2026-11-22T00:00:00Z")));
  ASSERT_TRUE(clock.AwaitWaiter());
  EXPECT_EQ(Dates(), (std::vector<std::string>{"2026-11-21"}));
  clock.SetWallMs(Ms(T("2026-11-22T12:00:00Z")));
  ASSERT_TRUE(clock.AwaitWaiter());
  EXPECT_EQ(Dates().size(), 1u);
  clock.SetWallMs(Ms(T("2026-11-23T00:00:00Z")));
  ASSERT_TRUE(clock.AwaitWaiter());
  EXPECT_EQ(Dates(), (std::vector<std::string>{"2026-11-21", "2026-11-22"}));
  s.Stop();
}

TEST_F(SchedulerTest, CatchupOffFiresOnlyTheLatestIntervalAfterDowntime) {
  DagRegistry reg;
  ASSERT_TRUE(reg.Register(Dag("@daily", false)));
  ManualClock clock(1'000'000, Ms(T("2026-11-21T10:00:00Z")));
  SchedulerOptions opts;
  opts.clock = &clock;
  opts.history = history_.get();
  {
    Scheduler s(reg, opts);
    clock.SetWallMs(Ms(T("2026-11-22T00:00:00Z")));
    EXPECT_EQ(*s.Tick(), 1);
  }
  // Down for four days; a new scheduler process reads the last fire from the history.
  clock.SetWallMs(Ms(T("2026-11-26T07:30:00Z")));
  Scheduler s(reg, opts);
  EXPECT_EQ(*s.Tick(), 1);
  EXPECT_EQ(*s.Tick(), 0);
  EXPECT_EQ(Dates(), (std::vector<std::string>{"2026-11-21", "2026-11-25"}));
}

TEST_F(SchedulerTest, CatchupOnFiresEveryMissedIntervalOnce) {
  DagRegistry reg;
  ASSERT_TRUE(reg.Register(Dag("@daily", true)));
  ManualClock clock(1'000'000, Ms(T("2026-11-21T10:00:00Z")));
  SchedulerOptions opts;
  opts.clock = &clock;
  opts.history = history_.get();
  {
    Scheduler s(reg, opts);
    clock.SetWallMs(Ms(T("2026-11-22T00:00:00Z")));
    EXPECT_EQ(*s.Tick(), 1);
  }
  clock.SetWallMs(Ms(T("2026-11-26T07:30:00Z")));
  Scheduler s(reg, opts);
  EXPECT_EQ(*s.Tick(), 4);
  EXPECT_EQ(*s.Tick(), 0);
  EXPECT_EQ(Dates(), (std::vector<std::string>{"2026-11-21", "2026-11-22", "2026-11-23",
                                               "2026-11-24", "2026-11-25"}));
}

TEST_F(SchedulerTest, CatchupFromStartDate) {
  DagRegistry reg;
  DagDefinition dag = Dag("@daily", true);
  dag.start_date = T("2026-11-18T00:00:00Z");
  ASSERT_TRUE(reg.Register(dag));
  ManualClock clock(1'000'000, Ms(T("2026-11-21T10:00:00Z")));
  SchedulerOptions opts;
  opts.clock = &clock;
  opts.history = history_.get();
  Scheduler s(reg, opts);
  EXPECT_EQ(*s.Tick(), 3);
  EXPECT_EQ(Dates(), (std::vector<std::string>{"2026-11-18", "2026-11-19", "2026-11-20"}));
}

TEST_F(SchedulerTest, HourlyAndCronExpressions) {
  DagRegistry reg;
  ASSERT_TRUE(reg.Register(Dag("30 */6 * * *", true)));
  ManualClock clock(1'000'000, Ms(T("2026-11-21T00:00:00Z")));
  SchedulerOptions opts;
  opts.clock = &clock;
  opts.history = history_.get();
  Scheduler s(reg, opts);
  clock.SetWallMs(Ms(T("2026-11-21T13:00:00Z")));
  // Fires at 00:30, 06:30 and 12:30; each run is named after its interval's start.
  EXPECT_EQ(*s.Tick(), 3);
  EXPECT_EQ(ScheduledRunIds(), (std::vector<std::string>{"scheduled__2026-11-20T18:30:00Z",
                                                         "scheduled__2026-11-21T00:30:00Z",
                                                         "scheduled__2026-11-21T06:30:00Z"}));
  EXPECT_EQ(Dates(), (std::vector<std::string>{"2026-11-20", "2026-11-21", "2026-11-21"}));
}

TEST_F(SchedulerTest, OnceFiresOnlyOnce) {
  DagRegistry reg;
  ASSERT_TRUE(reg.Register(Dag("@once", false)));
  ManualClock clock(1'000'000, Ms(T("2026-11-21T10:00:00Z")));
  SchedulerOptions opts;
  opts.clock = &clock;
  opts.history = history_.get();
  Scheduler s(reg, opts);
  EXPECT_EQ(*s.Tick(), 1);
  clock.SetWallMs(Ms(T("2026-11-25T10:00:00Z")));
  EXPECT_EQ(*s.Tick(), 0);
  EXPECT_EQ(Dates(), (std::vector<std::string>{"2026-11-21"}));
}

TEST_F(SchedulerTest, BackfillRunsEachDateOnce) {
  DagDefinition dag = Dag("@daily", false);
  BackfillOptions opts;
  opts.from = "2026-11-01";
  opts.to = "2026-11-03";
  auto r = Backfill(dag, opts, *history_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->runs.size(), 3u);
  EXPECT_TRUE(r->ok());
  opts.to = "2026-11-05";
  r = Backfill(dag, opts, *history_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->runs.size(), 2u);
  EXPECT_EQ(r->skipped_dates, (std::vector<std::string>{"2026-11-01", "2026-11-02", "2026-11-03"}));
  EXPECT_EQ(Dates(), (std::vector<std::string>{"2026-11-01", "2026-11-02", "2026-11-03",
                                               "2026-11-04", "2026-11-05"}));
  opts.rerun = true;
  opts.from = opts.to = "2026-11-02";
  r = Backfill(dag, opts, *history_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->runs.size(), 1u);
  EXPECT_EQ(Dates().back(), "2026-11-02");
  auto runs = history_->ListRuns("daily", 0);
  for (const auto& run : *runs) EXPECT_EQ(run.trigger, Trigger::kBackfill);
  opts.from = "2026-11-05";
  opts.to = "2026-11-01";
  EXPECT_FALSE(Backfill(dag, opts, *history_));
}

TEST_F(SchedulerTest, BackfillRetriesAFailedDate) {
  DagDefinition dag("flaky");
  dag.retries = 0;
  int calls = 0;
  dag.AddTask("t", [&](const TaskContext&) -> Result<TaskStats> {
    if (++calls == 1) return MakeError(ErrorCode::kIoError, "first run fails");
    return TaskStats{};
  });
  BackfillOptions opts;
  opts.from = opts.to = "2026-11-01";
  auto r = Backfill(dag, opts, *history_);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok());
  r = Backfill(dag, opts, *history_);  // a failed date is not "done"
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace pinpipe::orchestrator
