// Runs whose process died (issue 14: a killed `dag run` stayed "running" forever): the lease
// left behind by a dead process is found, the run marked failed with the reason; live leases,
// runs without a lease and finished runs are left alone.
#include "orchestrator/run_lease.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "orchestrator/run_history.h"
#include "test_util.h"

namespace pinpipe::orchestrator {
namespace {

using testing::TempDir;

DagRunRecord MakeRun(const std::string& run_id) {
  DagRunRecord r;
  r.dag_id = "d";
  r.run_id = run_id;
  r.logical_date = "2026-11-21";
  r.start_us = 1000;
  return r;
}

// Takes the lease of (run, task) in a child process that then dies without releasing it, as a
// `kill -9`ed driver would. Returns the child's pid.
pid_t LeaseInDyingChild(RunHistory& h, int64_t run, const std::string& task = {}) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    auto lease = h.HoldRun(run, task);
    if (!lease || !*lease) ::_exit(1);
    (void)lease->release();  // never destroyed: the file stays, the kernel drops the lock
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return pid;
}

TaskInstanceRecord TaskIn(TaskState state, const std::string& id) {
  TaskInstanceRecord t;
  t.task_id = id;
  t.state = state;
  t.attempts = 1;
  return t;
}

TEST(RunLeaseTest, AbandonedRunIsMarkedFailedWithTheReason) {
  TempDir dir;
  const std::string path = RunHistory::DefaultPath(dir.path());
  auto h = RunHistory::Open(path);
  ASSERT_TRUE(h) << h.error().message();
  auto dead = (*h)->CreateRun(MakeRun("dead"), {"load", "clean", "analyze"});
  auto alive = (*h)->CreateRun(MakeRun("alive"), {"load"});
  auto unleased = (*h)->CreateRun(MakeRun("unleased"), {"load"});
  ASSERT_TRUE(dead && alive && unleased);
  ASSERT_TRUE((*h)->UpdateTask(*dead, TaskIn(TaskState::kSuccess, "load")));
  ASSERT_TRUE((*h)->UpdateTask(*dead, TaskIn(TaskState::kRunning, "clean")));
  const pid_t child = LeaseInDyingChild(**h, *dead);
  auto live_lease = (*h)->HoldRun(*alive);
  ASSERT_TRUE(live_lease && *live_lease);

  // The next process to open the history settles the dead run.
  auto again = RunHistory::Open(path);
  ASSERT_TRUE(again) << again.error().message();
  auto runs = (*again)->ListRuns("d", 0);
  ASSERT_TRUE(runs);
  for (const auto& r : *runs) {
    if (r.run_id == "dead") {
      EXPECT_EQ(r.state, RunState::kFailed);
      EXPECT_GT(r.end_us, 0);
    } else {
      EXPECT_EQ(r.state, RunState::kRunning) << r.run_id;  // alive, or never leased
    }
  }
  auto tasks = (*again)->Tasks(*dead);
  ASSERT_TRUE(tasks);
  ASSERT_EQ(tasks->size(), 3u);
  EXPECT_EQ((*tasks)[0].state, TaskState::kSuccess);
  EXPECT_EQ((*tasks)[1].state, TaskState::kFailed);
  EXPECT_NE((*tasks)[1].error.find("abandoned"), std::string::npos) << (*tasks)[1].error;
  EXPECT_NE((*tasks)[1].error.find("pid " + std::to_string(child)), std::string::npos)
      << (*tasks)[1].error;
  EXPECT_EQ((*tasks)[2].state, TaskState::kSkipped);
  // Settled once: nothing more to reap.
  auto reaped = (*again)->ReapAbandonedRuns(2000);
  ASSERT_TRUE(reaped);
  EXPECT_EQ(*reaped, 0);
}

TEST(RunLeaseTest, AbandonedTaskOfAnExternalRunFailsOnlyThatTask) {
  TempDir dir;
  auto h = RunHistory::Open(RunHistory::DefaultPath(dir.path()));
  ASSERT_TRUE(h);
  DagRunRecord rec = MakeRun("external__2026-11-21");
  rec.trigger = Trigger::kExternal;
  auto run = (*h)->CreateRun(rec, {"a", "b"});
  ASSERT_TRUE(run);
  ASSERT_TRUE((*h)->UpdateTask(*run, TaskIn(TaskState::kRunning, "a")));
  LeaseInDyingChild(**h, *run, "a");
  auto reaped = (*h)->ReapAbandonedRuns(5000);
  ASSERT_TRUE(reaped);
  EXPECT_EQ(*reaped, 1);
  auto tasks = (*h)->Tasks(*run);
  ASSERT_TRUE(tasks);
  EXPECT_EQ((*tasks)[0].state, TaskState::kFailed);
  EXPECT_EQ((*tasks)[1].state, TaskState::kPending);  // not this lease's task
  auto found = (*h)->FindRun("external__2026-11-21");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->state, RunState::kFailed);
}

TEST(RunLeaseTest, ReleasedLeaseLeavesNothingBehind) {
  TempDir dir;
  const std::string locks = dir.File("locks");
  {
    auto lease = RunLease::Acquire(locks, LeaseName(7));
    ASSERT_TRUE(lease) << lease.error().message();
    // Held by this (live) process: not abandoned.
    auto gone = TakeAbandonedLeases(locks, 7);
    ASSERT_TRUE(gone);
    EXPECT_TRUE(gone->empty());
  }
  auto gone = TakeAbandonedLeases(locks, 7);
  ASSERT_TRUE(gone);
  EXPECT_TRUE(gone->empty());
  EXPECT_TRUE(std::filesystem::is_empty(locks));
}

}  // namespace
}  // namespace pinpipe::orchestrator
