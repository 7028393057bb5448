#include "orchestrator/dag_runner.h"

#include <gtest/gtest.h>

#include <mutex>
#include <optional>
#include <thread>

#include "common/clock.h"
#include "test_util.h"

namespace pinpipe::orchestrator {
namespace {

using namespace std::chrono_literals;
using testing::DiamondDag;
using testing::TempDir;
using testing::Trace;

const TaskOutcome& Outcome(const DagRunResult& r, const std::string& id) {
  for (const auto& t : r.tasks) {
    if (t.task_id == id) return t;
  }
  throw std::runtime_error("no task " + id);
}

TEST(DagRunnerTest, RunsIndependentTasksInParallelAfterUpstreams) {
  Trace trace;
  DagDefinition dag = DiamondDag(trace, 100ms);
  RunOptions opts;
  opts.logical_date = "2026-11-21";
  opts.parallelism = 4;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = RunDag(dag, opts, nullptr);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(trace.max_running.load(), 3);  // a, b, c together
  EXPECT_EQ(trace.IndexOf("load"), 0u);
  EXPECT_EQ(trace.IndexOf("analyze"), 4u);
  // 3 waves of 100 ms, not 5.
  EXPECT_LT(elapsed, 450ms);
  for (const auto& t : r->tasks) {
    EXPECT_EQ(t.state, TaskState::kSuccess);
    EXPECT_EQ(t.attempts, 1);
    EXPECT_EQ(t.stats.summary, t.task_id + " done");
  }
}

TEST(DagRunnerTest, ParallelismOneRunsSequentially) {
  Trace trace;
  DagDefinition dag = DiamondDag(trace, 5ms);
  RunOptions opts;
  opts.logical_date = "2026-11-21";
  opts.parallelism = 1;
  auto r = RunDag(dag, opts, nullptr);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(trace.max_running.load(), 1);
}

TEST(DagRunnerTest, RetriesWithDelayThenSucceeds) {
  Trace trace;
  DagDefinition dag = DiamondDag(trace, 0ms);
  dag.retries = 2;
  dag.retry_delay = 80ms;
  std::atomic<int> calls{0};
  std::vector<std::chrono::steady_clock::time_point> when;
  std::mutex mu;
  dag.mutable_tasks()[2].fn = [&](const TaskContext& ctx) -> Result<TaskStats> {  // "b"
    std::lock_guard lock(mu);
    when.push_back(std::chrono::steady_clock::now());
    EXPECT_EQ(ctx.attempt, calls.load() + 1);
    if (++calls < 3) return MakeError(ErrorCode::kIoError, "disk on fire");
    return TaskStats{5, 4, 1, "ok", {}};
  };
  RunOptions opts;
  opts.logical_date = "2026-11-21";
  auto r = RunDag(dag, opts, nullptr);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(calls.load(), 3);
  ASSERT_EQ(when.size(), 3u);
  EXPECT_GE(when[1] - when[0], 75ms);
  EXPECT_GE(when[2] - when[1], 75ms);
  const auto& b = Outcome(*r, "b");
  EXPECT_EQ(b.attempts, 3);
  EXPECT_EQ(b.stats.records_quarantined, 1);
  EXPECT_EQ(b.error, "disk on fire");  // the last failed attempt's error is kept
}

// The retry wait, task start times, durations and the run id all read RunOptions::clock: on a
// ManualClock a 10-minute backoff passes when the test moves the clock, never in real time, and
// the recorded times are the manual clock's. Fails (hangs for 10 minutes, or records the real
// time) if the runner reads the system clock.
TEST(DagRunnerTest, RetryBackoffAndTimesFollowTheRunClock) {
  ManualClock clock(5'000'000, 1'600'000'000'000);  // 2020-09-13T12:26:40Z
  DagDefinition dag("clocked");
  dag.retries = 1;
  dag.retry_delay = std::chrono::minutes(10);
  std::atomic<int> calls{0};
  std::vector<int64_t> attempt_at;  // the clock's wall ms at each attempt
  std::mutex mu;
  dag.AddTask("t", [&](const TaskContext&) -> Result<TaskStats> {
    {
      std::lock_guard lock(mu);
      attempt_at.push_back(clock.WallMs());
    }
    clock.Advance(1500);  // the attempt "takes" 1.5 s
    if (++calls == 1) return MakeError(ErrorCode::kIoError, "disk on fire");
    return TaskStats{};
  });
  RunOptions opts;
  opts.logical_date = "2020-09-13";
  opts.clock = &clock;
  std::optional<Result<DagRunResult>> r;
  std::thread run([&] { r = RunDag(dag, opts, nullptr); });
  struct Finish {  // a failed assertion below still ends the run and joins it
    ManualClock& clock;
    std::thread& run;
    ~Finish() {
      if (!run.joinable()) return;
      clock.Advance(24 * 3600 * 1000);
      run.join();
    }
  } finish{clock, run};
  ASSERT_TRUE(clock.AwaitWaiter());  // the failed attempt is waiting out its backoff
  EXPECT_EQ(calls.load(), 1);
  clock.Advance(9 * 60 * 1000);
  ASSERT_TRUE(clock.AwaitWaiter());  // a minute is still left
  EXPECT_EQ(calls.load(), 1);
  clock.Advance(60 * 1000);
  run.join();
  ASSERT_TRUE(r && *r) << (r && !*r ? r->error().message() : "no result");
  EXPECT_TRUE((*r)->ok());
  ASSERT_EQ(attempt_at.size(), 2u);
  EXPECT_EQ(attempt_at[1] - attempt_at[0], 1500 + 10 * 60 * 1000);
  const auto& t = Outcome(**r, "t");
  EXPECT_EQ(t.attempts, 2);
  EXPECT_EQ(t.start_us, 1'600'000'000'000'000);
  EXPECT_EQ(t.duration, std::chrono::microseconds((1500 + 10 * 60 * 1000 + 1500) * 1000LL));
  EXPECT_EQ((*r)->duration, t.duration);
  EXPECT_EQ((*r)->run_id, "manual__2020-09-13__20200913T122640.000000Z");
}

TEST(DagRunnerTest, FailurePropagatesAndIsRecorded) {
  TempDir dir;
  auto history = RunHistory::Open(dir.File("state/runs.db"));
  ASSERT_TRUE(history) << history.error().message();
  Trace trace;
  DagDefinition dag = DiamondDag(trace, 0ms);
  dag.retries = 1;
  dag.retry_delay = 10ms;
  dag.mutable_tasks()[1].fn = [](const TaskContext& ctx) -> Result<TaskStats> {  // "a"
    return MakeError(ErrorCode::kCorruption, "bad input on attempt " + std::to_string(ctx.attempt));
  };
  RunOptions opts;
  opts.logical_date = "2026-11-21";
  auto r = RunDag(dag, opts, history->get());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->state, RunState::kFailed);
  EXPECT_EQ(Outcome(*r, "a").state, TaskState::kFailed);
  EXPECT_EQ(Outcome(*r, "a").attempts, 2);
  EXPECT_EQ(Outcome(*r, "b").state, TaskState::kSuccess);  // siblings still run
  EXPECT_EQ(Outcome(*r, "c").state, TaskState::kSuccess);
  EXPECT_EQ(Outcome(*r, "analyze").state, TaskState::kUpstreamFailed);
  EXPECT_EQ(trace.IndexOf("analyze"), SIZE_MAX);

  auto run = (*history)->FindRun(r->run_id);
  ASSERT_TRUE(run && *run);
  EXPECT_EQ((*run)->state, RunState::kFailed);
  EXPECT_GT((*run)->end_us, 0);
  auto tasks = (*history)->Tasks((*run)->id);
  ASSERT_TRUE(tasks);
  ASSERT_EQ(tasks->size(), 5u);
  for (const auto& t : *tasks) {
    if (t.task_id == "a") {
      EXPECT_EQ(t.state, TaskState::kFailed);
      EXPECT_EQ(t.attempts, 2);
      EXPECT_EQ(t.error, "bad input on attempt 2");
    } else if (t.task_id == "analyze") {
      EXPECT_EQ(t.state, TaskState::kUpstreamFailed);
      EXPECT_EQ(t.attempts, 0);
    } else {
      EXPECT_EQ(t.state, TaskState::kSuccess);
      EXPECT_EQ(t.records_out, 1);
    }
  }
}

TEST(DagRunnerTest, ConfigurationErrorsFailAtOnceWithoutRetry) {
  for (ErrorCode code : {ErrorCode::kInvalidArgument, ErrorCode::kNotFound, ErrorCode::kUnsupported}) {
    TempDir dir;
    auto history = RunHistory::Open(dir.File("state/runs.db"));
    ASSERT_TRUE(history) << history.error().message();
    Trace trace;
    DagDefinition dag = DiamondDag(trace, 0ms);
    dag.retries = 3;
    dag.retry_delay = 10s;  // a retry would make the test hang for 30 s
    std::atomic<int> calls{0};
    dag.mutable_tasks()[0].fn = [&](const TaskContext&) -> Result<TaskStats> {  // "load"
      ++calls;
      return MakeError(code, "lake s3:/bucket is not a URI");
    };
    RunOptions opts;
    opts.logical_date = "2026-11-21";
    const auto t0 = std::chrono::steady_clock::now();
    auto r = RunDag(dag, opts, history->get());
    ASSERT_TRUE(r);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
    EXPECT_EQ(r->state, RunState::kFailed);
    EXPECT_EQ(calls.load(), 1);
    EXPECT_EQ(Outcome(*r, "load").state, TaskState::kFailed);
    EXPECT_EQ(Outcome(*r, "load").attempts, 1);
    EXPECT_NE(Outcome(*r, "load").error.find("lake s3:/bucket is not a URI"), std::string::npos);
    EXPECT_NE(Outcome(*r, "load").error.find("not retried"), std::string::npos);
    auto t = (*history)->Task(r->id, "load");
    ASSERT_TRUE(t && *t);
    EXPECT_EQ((*t)->attempts, 1);
    EXPECT_EQ((*t)->state, TaskState::kFailed);
  }
}

TEST(DagRunnerTest, TransientErrorsAreStillRetried) {
  EXPECT_TRUE(IsRetryable(Error(ErrorCode::kIoError, "x")));
  EXPECT_TRUE(IsRetryable(Error(ErrorCode::kUnavailable, "x")));
  EXPECT_TRUE(IsRetryable(Error(ErrorCode::kTimeout, "x")));
  EXPECT_TRUE(IsRetryable(Error(ErrorCode::kInternal, "x")));
  EXPECT_FALSE(IsRetryable(Error(ErrorCode::kInvalidArgument, "x")));
  EXPECT_FALSE(IsRetryable(Error(ErrorCode::kNotFound, "x")));
  EXPECT_FALSE(IsRetryable(Error(ErrorCode::kUnsupported, "x")));
}

TEST(DagRunnerTest, NoInputSkipsTheRestAndTheRunEndsSkipped) {
  TempDir dir;
  auto history = RunHistory::Open(dir.File("state/runs.db"));
  ASSERT_TRUE(history) << history.error().message();
  Trace trace;
  DagDefinition dag = DiamondDag(trace, 0ms);
  dag.mutable_tasks()[0].fn = [](const TaskContext&) -> Result<TaskStats> {  // "load"
    TaskStats st;
    st.skip_reason = "no input: 0 objects";
    return st;
  };
  RunOptions opts;
  opts.logical_date = "2026-11-21";
  auto r = RunDag(dag, opts, history->get());
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok());
  EXPECT_EQ(r->state, RunState::kSkipped);
  for (const auto& t : r->tasks) {
    EXPECT_EQ(t.state, TaskState::kSkipped) << t.task_id;
    EXPECT_EQ(t.error, "skipped: no input: 0 objects") << t.task_id;
  }
  EXPECT_EQ(trace.IndexOf("a"), SIZE_MAX);
  auto run = (*history)->FindRun(r->run_id);
  ASSERT_TRUE(run && *run);
  EXPECT_EQ((*run)->state, RunState::kSkipped);
  EXPECT_GT((*run)->end_us, 0);
}

TEST(DagRunnerTest, ExceptionsBecomeFailures) {
  DagDefinition dag("x");
  dag.retries = 0;
  dag.AddTask("boom", [](const TaskContext&) -> Result<TaskStats> { throw std::runtime_error("kaboom"); });
  RunOptions opts;
  opts.logical_date = "2026-11-21";
  auto r = RunDag(dag, opts, nullptr);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok());
  EXPECT_NE(r->tasks[0].error.find("kaboom"), std::string::npos);
}

TEST(DagRunnerTest, CancelSkipsPendingTasksAndCutsRetryWait) {
  std::atomic<bool> cancel{false};
  DagDefinition dag("x");
  dag.retries = 5;
  dag.retry_delay = std::chrono::minutes(10);
  dag.AddTask("first", [&](const TaskContext&) -> Result<TaskStats> {
    cancel = true;
    return MakeError(ErrorCode::kIoError, "fails");
  });
  dag.AddTask("second", [](const TaskContext&) -> Result<TaskStats> { return TaskStats{}; });
  dag.AddEdge("first", "second");
  RunOptions opts;
  opts.logical_date = "2026-11-21";
  opts.cancel = &cancel;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = RunDag(dag, opts, nullptr);
  ASSERT_TRUE(r);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_FALSE(r->ok());
  EXPECT_EQ(r->tasks[0].state, TaskState::kFailed);
  EXPECT_EQ(r->tasks[0].attempts, 1);
}

TEST(DagRunnerTest, RejectsBadDate) {
  Trace trace;
  DagDefinition dag = DiamondDag(trace, 0ms);
  RunOptions opts;
  opts.logical_date = "2026-02-30";
  EXPECT_FALSE(RunDag(dag, opts, nullptr));
}

TEST(DagRunnerTest, ExternalTaskWithNoInputSkipsItsRun) {
  TempDir dir;
  auto history = RunHistory::Open(dir.File("runs.db"));
  ASSERT_TRUE(history);
  Trace trace;
  DagDefinition dag = DiamondDag(trace, 0ms);
  dag.mutable_tasks()[0].fn = [](const TaskContext&) -> Result<TaskStats> {  // "load"
    TaskStats st;
    st.skip_reason = "no input";
    return st;
  };
  auto out = RunSingleTask(dag, "load", "2026-11-21", history->get());
  ASSERT_TRUE(out);
  EXPECT_EQ(out->state, TaskState::kSkipped);
  auto run = (*history)->FindRun("external__2026-11-21");
  ASSERT_TRUE(run && *run);
  EXPECT_EQ((*run)->state, RunState::kSkipped);
}

TEST(DagRunnerTest, SingleTaskRunsAccumulateAttemptsInOneExternalRun) {
  TempDir dir;
  auto history = RunHistory::Open(dir.File("runs.db"));
  ASSERT_TRUE(history);
  Trace trace;
  DagDefinition dag = DiamondDag(trace, 0ms);
  int calls = 0;
  dag.mutable_tasks()[4].fn = [&](const TaskContext& ctx) -> Result<TaskStats> {  // analyze
    EXPECT_EQ(ctx.attempt, calls + 1);
    if (++calls == 1) return MakeError(ErrorCode::kIoError, "first try fails");
    return TaskStats{3, 2, 1, "done", {}};
  };
  // No dependency checks: analyze runs although load never ran.
  auto a1 = RunSingleTask(dag, "analyze", "2026-11-21", history->get());
  ASSERT_TRUE(a1);
  EXPECT_EQ(a1->state, TaskState::kFailed);
  auto run = (*history)->FindRun("external__2026-11-21");
  ASSERT_TRUE(run && *run);
  EXPECT_EQ((*run)->state, RunState::kFailed);
  EXPECT_EQ((*run)->trigger, Trigger::kExternal);

  auto a2 = RunSingleTask(dag, "analyze", "2026-11-21", history->get());
  ASSERT_TRUE(a2);
  EXPECT_EQ(a2->state, TaskState::kSuccess);
  EXPECT_EQ(a2->attempts, 2);
  run = (*history)->FindRun("external__2026-11-21");
  EXPECT_EQ((*run)->state, RunState::kRunning);  // the other tasks have not run
  for (const char* t : {"load", "a", "b", "c"}) {
    ASSERT_TRUE(RunSingleTask(dag, t, "2026-11-21", history->get()));
  }
  run = (*history)->FindRun("external__2026-11-21");
  EXPECT_EQ((*run)->state, RunState::kSuccess);
  EXPECT_EQ(*(*history)->CountRuns("diamond"), 1);
  EXPECT_FALSE(RunSingleTask(dag, "nope", "2026-11-21", history->get()));
}

}  // namespace
}  // namespace pinpipe::orchestrator

namespace pinpipe::orchestrator {
namespace {

std::vector<std::string> LogLines(RunHistory& h, int64_t run_pk, const std::string& task) {
  std::vector<std::string> out;
  auto lines = h.TaskLog(run_pk, task, 0, 10000);
  if (!lines) return {"error: " + lines.error().message()};
  for (const auto& l : *lines) out.push_back(std::to_string(l.attempt) + " " + l.line);
  return out;
}

// Each task run has a log in the history: its attempts, its progress at each tenth, the retry,
// the outcome; a task that never ran says why.
TEST(DagRunnerTest, RecordsEachTaskRunsLogInTheHistory) {
  TempDir dir;
  auto history = RunHistory::Open(dir.File("state/runs.db"));
  ASSERT_TRUE(history) << history.error().message();
  DagDefinition dag("logged");
  dag.retries = 1;
  dag.retry_delay = 1ms;
  int calls = 0;
  dag.AddTask("work", [&calls](const TaskContext& ctx) -> Result<TaskStats> {
    for (int i = 0; i <= 100; ++i) ctx.ReportProgress(i, 100);  // 101 updates, 11 tenths
    if (++calls == 1) return MakeError(ErrorCode::kIoError, "disk on fire");
    return TaskStats{5, 4, 1, "wrote 4 rows", ""};
  });
  dag.AddTask("broken", [](const TaskContext&) -> Result<TaskStats> { return MakeError(ErrorCode::kInvalidArgument, "bad uri"); });
  dag.AddTask("after", [](const TaskContext&) -> Result<TaskStats> { return TaskStats{}; });
  dag.AddEdge("broken", "after");
  RunOptions opts;
  opts.logical_date = "2026-11-21";
  opts.parallelism = 1;
  auto r = RunDag(dag, opts, history->get());
  ASSERT_TRUE(r) << r.error().message();
  auto work = LogLines(**history, r->id, "work");
  ASSERT_EQ(work.size(), 1u + 11 + 2 + 1 + 11 + 2) << ::testing::PrintToString(work);
  EXPECT_EQ(work[0], "1 attempt 1 of 2 started: run " + r->run_id + ", logical date 2026-11-21");
  EXPECT_EQ(work[1], "1 progress 0 / 100");
  EXPECT_EQ(work[11], "1 progress 100 / 100");
  EXPECT_TRUE(work[12].starts_with("1 attempt 1 failed after ")) << work[12];
  EXPECT_TRUE(work[12].ends_with(": disk on fire")) << work[12];
  EXPECT_EQ(work[13], "1 up for retry in 0.001 s");
  EXPECT_TRUE(work[14].starts_with("2 attempt 2 of 2 started")) << work[14];
  EXPECT_EQ(work[26], "2 rows in 5, out 4, quarantined 1; wrote 4 rows");
  EXPECT_TRUE(work[27].starts_with("2 succeeded in ")) << work[27];
  auto broken = LogLines(**history, r->id, "broken");
  ASSERT_EQ(broken.size(), 3u) << ::testing::PrintToString(broken);
  EXPECT_EQ(broken[2], "1 failed: not retried (another attempt cannot fix this)");
  EXPECT_EQ(LogLines(**history, r->id, "after"), (std::vector<std::string>{"0 not run: upstream task 'broken' failed"}));
  // A tail reader asks for the lines after the last one it has.
  auto tail = (*history)->TaskLog(r->id, "work", 26, 100);
  ASSERT_TRUE(tail);
  ASSERT_EQ(tail->size(), 2u);
  EXPECT_EQ((*tail)[0].seq, 27);
}

TEST(RunHistoryTaskLogTest, IsBoundedPerTaskRunWithOneMarker) {
  TempDir dir;
  auto h = RunHistory::Open(dir.File("runs.db"));
  ASSERT_TRUE(h);
  for (int64_t i = 0; i < kMaxTaskLogLines + 5; ++i) ASSERT_TRUE((*h)->AppendTaskLog(7, "t", 1, i, "line " + std::to_string(i)));
  ASSERT_TRUE((*h)->AppendTaskLog(7, "other", 1, 0, std::string(kMaxTaskLogLineBytes + 100, 'x')));
  auto all = (*h)->TaskLog(7, "t", 0, 1'000'000);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), static_cast<size_t>(kMaxTaskLogLines + 1));
  EXPECT_EQ(all->at(kMaxTaskLogLines - 1).line, "line " + std::to_string(kMaxTaskLogLines - 1));
  EXPECT_TRUE(all->back().line.starts_with("… later lines dropped")) << all->back().line;
  auto other = (*h)->TaskLog(7, "other", 0, 10);
  ASSERT_TRUE(other);
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ(other->at(0).line.size(), kMaxTaskLogLineBytes);
}

}  // namespace
}  // namespace pinpipe::orchestrator
