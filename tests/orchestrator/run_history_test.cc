#include "orchestrator/run_history.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace pinpipe::orchestrator {
namespace {

using testing::TempDir;

DagRunRecord MakeRun(const std::string& dag, const std::string& run_id, const std::string& date) {
  DagRunRecord r;
  r.dag_id = dag;
  r.run_id = run_id;
  r.logical_date = date;
  r.start_us = 1000;
  return r;
}

TEST(RunHistoryTest, PersistsAcrossReopen) {
  TempDir dir;
  const std::string path = RunHistory::DefaultPath(dir.path());
  EXPECT_EQ(path, dir.path() + "/state/runs.db");
  int64_t id = 0;
  {
    auto h = RunHistory::Open(path);
    ASSERT_TRUE(h) << h.error().message();
    auto created = (*h)->CreateRun(MakeRun("d", "r1", "2026-11-21"), {"load", "analyze"});
    ASSERT_TRUE(created);
    id = *created;
    TaskInstanceRecord t;
    t.task_id = "load";
    t.state = TaskState::kFailed;
    t.attempts = 2;
    t.start_us = 1234;
    t.duration_us = 5678;
    t.records_in = 10;
    t.records_out = 9;
    t.records_quarantined = 1;
    t.summary = "sum'mary";
    t.error = "boom \"quoted\"";
    ASSERT_TRUE((*h)->UpdateTask(id, t));
    ASSERT_TRUE((*h)->FinishRun(id, RunState::kFailed, 9999));
  }
  auto h = RunHistory::Open(path);
  ASSERT_TRUE(h);
  auto run = (*h)->FindRun("r1");
  ASSERT_TRUE(run && *run);
  EXPECT_EQ((*run)->id, id);
  EXPECT_EQ((*run)->state, RunState::kFailed);
  EXPECT_EQ((*run)->end_us, 9999);
  EXPECT_EQ((*run)->trigger, Trigger::kManual);
  auto by_id = (*h)->FindRun(std::to_string(id));
  ASSERT_TRUE(by_id && *by_id);
  EXPECT_EQ((*by_id)->run_id, "r1");
  auto tasks = (*h)->Tasks(id);
  ASSERT_TRUE(tasks);
  ASSERT_EQ(tasks->size(), 2u);
  EXPECT_EQ((*tasks)[0].task_id, "load");  // declaration order kept
  EXPECT_EQ((*tasks)[0].state, TaskState::kFailed);
  EXPECT_EQ((*tasks)[0].attempts, 2);
  EXPECT_EQ((*tasks)[0].duration_us, 5678);
  EXPECT_EQ((*tasks)[0].records_quarantined, 1);
  EXPECT_EQ((*tasks)[0].summary, "sum'mary");
  EXPECT_EQ((*tasks)[0].error, "boom \"quoted\"");
  EXPECT_EQ((*tasks)[1].state, TaskState::kPending);
}

TEST(RunHistoryTest, QueriesAndUniqueness) {
  TempDir dir;
  auto h = RunHistory::Open(dir.File("runs.db"));
  ASSERT_TRUE(h);
  ASSERT_TRUE((*h)->CreateRun(MakeRun("d", "r1", "2026-11-20"), {"t"}));
  auto dup = (*h)->CreateRun(MakeRun("d", "r1", "2026-11-20"), {"t"});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code(), ErrorCode::kAlreadyExists);
  ASSERT_TRUE((*h)->CreateRun(MakeRun("other", "r1", "2026-11-20"), {"t"}));  // per DAG
  auto r2 = MakeRun("d", "r2", "2026-11-21");
  r2.trigger = Trigger::kScheduled;
  r2.scheduled_for = 1800000000;
  auto id2 = (*h)->CreateRun(r2, {"t"});
  ASSERT_TRUE(id2);
  ASSERT_TRUE((*h)->FinishRun(*id2, RunState::kSuccess, 2000));

  EXPECT_TRUE(*(*h)->HasSuccessfulRun("d", "2026-11-21"));
  EXPECT_FALSE(*(*h)->HasSuccessfulRun("d", "2026-11-20"));
  EXPECT_EQ(**(*h)->LastScheduledFire("d"), 1800000000);
  EXPECT_FALSE((*(*h)->LastScheduledFire("other")).has_value());
  auto all = (*h)->ListRuns("", 0);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].run_id, "r2");  // newest first
  EXPECT_EQ((*h)->ListRuns("d", 1)->size(), 1u);
  EXPECT_EQ(*(*h)->CountRuns("d"), 2);
  EXPECT_FALSE(*(*h)->FindRun("nope"));
}

TEST(RunHistoryTest, ConcurrentWritersFromTwoConnections) {
  TempDir dir;
  const std::string path = dir.File("runs.db");
  auto a = RunHistory::Open(path);
  auto b = RunHistory::Open(path);
  ASSERT_TRUE(a && b);
  auto writer = [](RunHistory* h, const std::string& prefix) {
    for (int i = 0; i < 50; ++i) {
      auto id = h->CreateRun(MakeRun("d", prefix + std::to_string(i), "2026-11-21"), {"x", "y"});
      ASSERT_TRUE(id) << id.error().message();
      TaskInstanceRecord t;
      t.task_id = "x";
      t.state = TaskState::kSuccess;
      ASSERT_TRUE(h->UpdateTask(*id, t));
      ASSERT_TRUE(h->FinishRun(*id, RunState::kSuccess, 5));
    }
  };
  std::thread t1(writer, a->get(), "a"), t2(writer, b->get(), "b");
  t1.join();
  t2.join();
  EXPECT_EQ(*(*a)->CountRuns("d"), 100);
}

// Regression (issue 14): a truncated state/runs.db made every query fail ("database disk image
// is malformed"), so `serve` with the scheduler and every `dag` command stopped. The damaged
// file is now kept aside and a new history started.
TEST(RunHistoryTest, ADamagedHistoryIsKeptAsideAndANewOneStarted) {
  TempDir dir;
  const std::string path = RunHistory::DefaultPath(dir.path());
  {
    auto h = RunHistory::Open(path);
    ASSERT_TRUE(h) << h.error().message();
    for (int i = 0; i < 300; ++i) {
      ASSERT_TRUE((*h)->CreateRun(MakeRun("d", "r" + std::to_string(i), "2026-11-21"), {"load", "analyze"}));
    }
  }
  const auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 16384u);
  std::filesystem::resize_file(path, size / 2 + 100);
  auto h = RunHistory::Open(path);
  ASSERT_TRUE(h) << h.error().message();
  auto runs = (*h)->ListRuns("d", 10);
  ASSERT_TRUE(runs) << runs.error().message();
  EXPECT_TRUE(runs->empty());
  ASSERT_TRUE((*h)->CreateRun(MakeRun("d", "after", "2026-11-22"), {"load"}));
  int aside = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() + "/state")) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("runs.db.damaged-") && !name.ends_with("-wal") && !name.ends_with("-shm")) {
      ++aside;
      EXPECT_EQ(std::filesystem::file_size(e.path()), size / 2 + 100);  // kept as it was
    }
  }
  EXPECT_EQ(aside, 1);
}

// `serve` once failed to start with "run history step: database is locked": switching a
// rollback-journal database to WAL upgrades a read lock to a write lock, and SQLite does not
// call the busy handler for that upgrade, so another connection's write (another process, or
// the dashboard's own RunHistory opening at the same moment) failed Open at once.
TEST(RunHistoryTest, OpenWaitsForAnotherConnectionsWriteLock) {
  TempDir dir;
  const std::string path = dir.path() + "/runs.db";
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "CREATE TABLE t (x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1);", nullptr, nullptr,
                         nullptr), SQLITE_OK);  // still in rollback mode, holding the write lock
  auto release = std::async(std::launch::async, [other] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const int rc = sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    return rc;
  });
  auto h = RunHistory::Open(path);
  EXPECT_EQ(release.get(), SQLITE_OK);
  ASSERT_TRUE(h) << h.error().message();
  auto id = (*h)->CreateRun(MakeRun("d", "r1", "2026-11-21"), {"load"});
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_EQ(*(*h)->CountRuns("d"), 1);
}

// The same race as `serve` met it: several connections opening a new history at once (the
// scheduler's and the dashboard's), each switching it to WAL while another creates the schema.
TEST(RunHistoryTest, ConcurrentOpensOfANewHistoryAllSucceed) {
  for (int round = 0; round < 50; ++round) {
    TempDir dir;
    const std::string path = RunHistory::DefaultPath(dir.path());
    std::vector<std::future<std::string>> opens;
    for (int i = 0; i < 4; ++i) {
      opens.push_back(std::async(std::launch::async, [&path] {
        auto h = RunHistory::Open(path);
        return h ? std::string() : h.error().message();
      }));
    }
    for (auto& o : opens) EXPECT_EQ(o.get(), "") << "round " << round;
  }
}

}  // namespace
}  // namespace pinpipe::orchestrator
