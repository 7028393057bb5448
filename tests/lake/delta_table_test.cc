// The Delta writer's commit protocol: create, append, overwrite, txn, put-if-absent races and
// conflict detection. Log-level: the add actions name files that need not exist.
#include "lake/delta_table.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <set>
#include <thread>

#include "lake/delta_log_files.h"
#include "temp_dir.h"

namespace pinpipe::lake {
namespace {

namespace fs = std::filesystem;

using testing::TempDir;

DeltaSchema PinSchema() {
  return DeltaType::Struct({{"ind", DeltaType::Primitive("long")},
                            {"title", DeltaType::Primitive("string")},
                            {"coordinates", DeltaType::Array(DeltaType::Primitive("double"))}});
}

AddFile FakeFile(const std::string& path) {
  AddFile a;
  a.path = path;
  a.size = 100;
  a.modification_time = NowMillis();
  a.stats = R"({"numRecords":1})";
  return a;
}

TableOptions NoCheckpoints() {
  TableOptions o;
  o.checkpoint_interval = 0;
  return o;
}

std::set<std::string> Paths(const Snapshot& s) {
  std::set<std::string> out;
  for (const auto& f : s.files()) out.insert(f.path);
  return out;
}

TEST(DeltaTable, CreateWritesProtocolMetadataAndCommitInfo) {
  TempDir dir;
  auto table = DeltaTable::OpenLocal(dir.str(), NoCheckpoints());
  auto r = table.Create(PinSchema());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->version, 0);
  auto body = table.storage().Get(CommitKey(0));
  ASSERT_TRUE(body);
  auto actions = ParseCommit(*body, "0");
  ASSERT_TRUE(actions);
  ASSERT_EQ(actions->size(), 3u);
  const auto& ci = std::get<CommitInfo>((*actions)[0]);
  EXPECT_EQ(ci.operation, "CREATE TABLE");
  EXPECT_EQ(ci.engine_info, "pinpipe/0.1.0");
  EXPECT_EQ(std::get<Protocol>((*actions)[1]), Protocol{});
  const auto& md = std::get<Metadata>((*actions)[2]);
  EXPECT_EQ(md.schema_string, DeltaSchemaToJson(PinSchema()));
  EXPECT_EQ(md.id.size(), 36u);
  EXPECT_TRUE(md.partition_columns.empty());
  EXPECT_TRUE(md.configuration.empty());
  // One action per line, each line terminated.
  EXPECT_EQ(std::count(body->begin(), body->end(), '\n'), 3);
  EXPECT_EQ(body->back(), '\n');
  // No temp files left behind.
  for (const auto& e : fs::directory_iterator(dir.path() / "_delta_log")) {
    EXPECT_NE(e.path().filename().string()[0], '.') << e.path();
  }

  auto again = table.Create(PinSchema());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);

  auto snap = table.LoadSnapshot();
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->version(), 0);
  EXPECT_EQ(snap->schema(), PinSchema());
  EXPECT_TRUE(snap->files().empty());
}

TEST(DeltaTable, CommitOnMissingTableIsNotFound) {
  TempDir dir;
  auto table = DeltaTable::OpenLocal(dir.str(), NoCheckpoints());
  auto r = table.Commit({WriteMode::kAppend, {FakeFile("a")}, std::nullopt});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
}

TEST(DeltaTable, AppendOverwriteHistoryAndTimeTravel) {
  TempDir dir;
  auto table = DeltaTable::OpenLocal(dir.str(), NoCheckpoints());
  ASSERT_TRUE(table.Create(PinSchema(), {FakeFile("f0")}));
  for (int i = 1; i <= 3; ++i) {
    auto r = table.Commit({WriteMode::kAppend, {FakeFile("f" + std::to_string(i))}, std::nullopt});
    ASSERT_TRUE(r) << r.error().ToString();
    EXPECT_EQ(r->version, i);
    EXPECT_EQ(r->attempts, 1);
  }
  auto ow = table.Commit({WriteMode::kOverwrite, {FakeFile("g0"), FakeFile("g1")}, std::nullopt});
  ASSERT_TRUE(ow);
  EXPECT_EQ(ow->version, 4);
  // remove + add in the same commit.
  auto body = table.storage().Get(CommitKey(4));
  ASSERT_TRUE(body);
  auto actions = ParseCommit(*body, "4");
  ASSERT_TRUE(actions);
  int removes = 0, adds = 0;
  for (const auto& a : *actions) {
    removes += std::holds_alternative<RemoveFile>(a);
    adds += std::holds_alternative<AddFile>(a);
  }
  EXPECT_EQ(removes, 4);
  EXPECT_EQ(adds, 2);

  auto snap = table.LoadSnapshot();
  ASSERT_TRUE(snap);
  EXPECT_EQ(Paths(*snap), (std::set<std::string>{"g0", "g1"}));
  EXPECT_EQ(snap->tombstones().size(), 4u);
  auto v2 = table.LoadSnapshot(2);
  ASSERT_TRUE(v2);
  EXPECT_EQ(Paths(*v2), (std::set<std::string>{"f0", "f1", "f2"}));

  auto history = ReadHistory(table.storage());
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 5u);
  EXPECT_EQ(history->at(0).commit_info->operation_parameters.at("mode"), "Overwrite");
  EXPECT_EQ(history->at(0).commit_info->is_blind_append, false);
  EXPECT_EQ(history->at(1).commit_info->operation_parameters.at("mode"), "Append");
  EXPECT_EQ(history->at(1).commit_info->read_version, 2);
  EXPECT_EQ(history->at(4).commit_info->operation, "CREATE TABLE");
}

// DESCRIBE HISTORY in Spark shows operationMetrics and operationParameters from commitInfo:
// pinpipe's writes record what Spark's WRITE records (numFiles, numOutputBytes, numOutputRows;
// mode and partitionBy). Found by tests/peers/test_spark_lake.py (metrics were null).
TEST(DeltaTable, CommitInfoCarriesSparksWriteMetrics) {
  TempDir dir;
  auto table = DeltaTable::OpenLocal(dir.str(), NoCheckpoints());
  AddFile a = FakeFile("a"), b = FakeFile("b");
  b.size = 250;
  b.stats = R"({"numRecords":41,"minValues":{"ind":1}})";
  ASSERT_TRUE(table.Create(PinSchema(), {a}));
  ASSERT_TRUE(table.Create(PinSchema()).error().code() == ErrorCode::kAlreadyExists);
  ASSERT_TRUE(table.Commit({WriteMode::kOverwrite, {a, b}, std::nullopt}));
  AddFile no_stats = FakeFile("c");
  no_stats.stats.reset();
  ASSERT_TRUE(table.Commit({WriteMode::kAppend, {no_stats}, std::nullopt}));

  auto history = ReadHistory(table.storage());
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 3u);
  const CommitInfo& append = *history->at(0).commit_info;
  const CommitInfo& overwrite = *history->at(1).commit_info;
  const CommitInfo& create = *history->at(2).commit_info;
  EXPECT_EQ(create.operation_metrics,
            (StringMap{{"numFiles", "1"}, {"numOutputBytes", "100"}, {"numOutputRows", "1"}}));
  EXPECT_EQ(overwrite.operation_metrics,
            (StringMap{{"numFiles", "2"}, {"numOutputBytes", "350"}, {"numOutputRows", "42"}}));
  EXPECT_EQ(overwrite.operation_parameters,
            (StringMap{{"mode", "Overwrite"}, {"partitionBy", "[]"}}));
  // Rows unknown without stats: left out rather than guessed.
  EXPECT_EQ(append.operation_metrics, (StringMap{{"numFiles", "1"}, {"numOutputBytes", "100"}}));
  // In the log: after isBlindAppend, before engineInfo (Spark's key order).
  auto body = table.storage().Get(CommitKey(1));
  ASSERT_TRUE(body);
  EXPECT_NE(body->find(R"("isBlindAppend":false,"operationMetrics":{"numFiles":"2","numOutputBytes":"350","numOutputRows":"42"},"engineInfo":"pinpipe/0.1.0")"),
            std::string::npos)
      << *body;
}

TEST(DeltaTable, TxnMakesWritesIdempotent) {
  TempDir dir;
  auto table = DeltaTable::OpenLocal(dir.str(), NoCheckpoints());
  ASSERT_TRUE(table.Create(PinSchema()));
  auto r = table.Commit({WriteMode::kAppend, {FakeFile("a")}, Txn{"stream-1", 5, std::nullopt}});
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->skipped);
  for (int64_t batch : {5, 3}) {
    auto again = table.Commit({WriteMode::kAppend, {FakeFile("dup")}, Txn{"stream-1", batch, {}}});
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->skipped);
    EXPECT_EQ(again->version, 1);
  }
  auto next = table.Commit({WriteMode::kAppend, {FakeFile("b")}, Txn{"stream-1", 6, std::nullopt}});
  ASSERT_TRUE(next);
  EXPECT_EQ(next->version, 2);
  auto snap = table.LoadSnapshot();
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->TxnVersion("stream-1"), 6);
  EXPECT_EQ(snap->TxnVersion("other"), -1);
  EXPECT_GT(snap->txns().at("stream-1").last_updated.value_or(0), 0);
  EXPECT_EQ(Paths(*snap), (std::set<std::string>{"a", "b"}));
}

// A storage that lets a "concurrent writer" commit just before our put-if-absent of a version.
class RacingStorage final : public TableStorage {
 public:
  RacingStorage(std::unique_ptr<TableStorage> inner, std::function<void(std::string_view)> before,
                int* lists = nullptr)
      : inner_(std::move(inner)), before_(std::move(before)), lists_(lists) {}
  const std::string& root() const override { return inner_->root(); }
  Status PutIfAbsent(std::string_view key, std::string_view data) override {
    if (before_) {
      auto f = std::move(before_);
      before_ = nullptr;
      f(key);
    }
    return inner_->PutIfAbsent(key, data);
  }
  Status Put(std::string_view key, std::string_view data) override {
    return inner_->Put(key, data);
  }
  Result<std::string> Get(std::string_view key) override { return inner_->Get(key); }
  Result<StoredObject> Head(std::string_view key) override { return inner_->Head(key); }
  Result<std::vector<StoredObject>> List(std::string_view prefix) override {
    if (lists_) ++*lists_;
    return inner_->List(prefix);
  }
  std::optional<std::string> LocalPath(std::string_view key) const override {
    return inner_->LocalPath(key);
  }

 private:
  std::unique_ptr<TableStorage> inner_;
  std::function<void(std::string_view)> before_;
  int* lists_;
};

struct RaceCase {
  CommitRequest ours;
  CommitRequest theirs;
};

// Runs `ours` while `theirs` wins the version ours read.
Result<CommitResult> LoseRace(const std::string& dir, CommitRequest ours, CommitRequest theirs,
                              bool theirs_changes_metadata = false) {
  auto racing = std::make_unique<RacingStorage>(
      NewLocalTableStorage(dir), [dir, theirs, theirs_changes_metadata](std::string_view) mutable {
        auto other = DeltaTable::OpenLocal(dir, NoCheckpoints());
        if (theirs_changes_metadata) {
          // A metaData change as its own commit at the contested version.
          auto snap = other.LoadSnapshot();
          Metadata md = snap->metadata();
          md.configuration.emplace("delta.appendOnly", "false");
          std::vector<Action> actions{CommitInfo{}, md};
          auto st =
              other.storage().PutIfAbsent(CommitKey(snap->version() + 1), SerializeCommit(actions));
          ASSERT_TRUE(st);
          return;
        }
        auto r = other.Commit(std::move(theirs));
        ASSERT_TRUE(r) << r.error().ToString();
      });
  DeltaTable table(std::move(racing), NoCheckpoints());
  return table.Commit(std::move(ours));
}

TEST(DeltaTable, LostRaceBlindAppendRetriesAtNextVersion) {
  TempDir dir;
  auto table = DeltaTable::OpenLocal(dir.str(), NoCheckpoints());
  ASSERT_TRUE(table.Create(PinSchema(), {FakeFile("base")}));
  auto r = LoseRace(dir.str(), {WriteMode::kAppend, {FakeFile("ours")}, std::nullopt},
                    {WriteMode::kAppend, {FakeFile("theirs")}, std::nullopt});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->version, 2);
  EXPECT_EQ(r->attempts, 2);
  auto snap = table.LoadSnapshot();
  ASSERT_TRUE(snap);
  EXPECT_EQ(Paths(*snap), (std::set<std::string>{"base", "ours", "theirs"}));
}

TEST(DeltaTable, LostRaceOverwriteAgainstAppendConflicts) {
  TempDir dir;
  auto table = DeltaTable::OpenLocal(dir.str(), NoCheckpoints());
  ASSERT_TRUE(table.Create(PinSchema(), {FakeFile("base")}));
  auto r = LoseRace(dir.str(), {WriteMode::kOverwrite, {FakeFile("ours")}, std::nullopt},
                    {WriteMode::kAppend, {FakeFile("theirs")}, std::nullopt});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  auto snap = table.LoadSnapshot();
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->version(), 1);  // nothing of ours was committed
  EXPECT_EQ(Paths(*snap), (std::set<std::string>{"base", "theirs"}));
}

TEST(DeltaTable, LostRaceSameAppIdIsIdempotentOrConflict) {
  TempDir dir;
  auto table = DeltaTable::OpenLocal(dir.str(), NoCheckpoints());
  ASSERT_TRUE(table.Create(PinSchema()));
  // The same batch committed concurrently (an ambiguous earlier failure retried): skip.
  auto same = LoseRace(dir.str(), {WriteMode::kAppend, {FakeFile("a2")}, Txn{"app", 1, {}}},
                       {WriteMode::kAppend, {FakeFile("a1")}, Txn{"app", 1, {}}});
  ASSERT_TRUE(same) << same.error().ToString();
  EXPECT_TRUE(same->skipped);
  // A lower batch id of the same app won concurrently: two writers for one appId — conflict.
  auto lower = LoseRace(dir.str(), {WriteMode::kAppend, {FakeFile("b3")}, Txn{"app", 3, {}}},
                        {WriteMode::kAppend, {FakeFile("b2")}, Txn{"app", 2, {}}});
  ASSERT_FALSE(lower);
  EXPECT_EQ(lower.error().code(), ErrorCode::kUnavailable);
  // Another app does not conflict.
  auto other = LoseRace(dir.str(), {WriteMode::kAppend, {FakeFile("c1")}, Txn{"app", 9, {}}},
                        {WriteMode::kAppend, {FakeFile("x1")}, Txn{"other", 1, {}}});
  ASSERT_TRUE(other) << other.error().ToString();
  EXPECT_FALSE(other->skipped);
  auto snap = table.LoadSnapshot();
  ASSERT_TRUE(snap);
  EXPECT_EQ(Paths(*snap), (std::set<std::string>{"a1", "b2", "x1", "c1"}));
  EXPECT_EQ(snap->TxnVersion("app"), 9);
}

TEST(DeltaTable, LostRaceAgainstMetadataChangeConflicts) {
  TempDir dir;
  auto table = DeltaTable::OpenLocal(dir.str(), NoCheckpoints());
  ASSERT_TRUE(table.Create(PinSchema()));
  auto r = LoseRace(dir.str(), {WriteMode::kAppend, {FakeFile("a")}, std::nullopt}, {},
                    /*theirs_changes_metadata=*/true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
}

// A streaming writer's blind appends read the snapshot of its own last commit instead of
// listing and replaying the log each time (a Load costs in proportion to the log and the
// files, and a stream commits every few milliseconds); its checkpoints come from that state
// too, and they, read back by a fresh Load, hold exactly the files and txns of the log.
TEST(DeltaTable, BlindAppendsFollowTheWritersOwnTipWithoutReplayingTheLog) {
  TempDir dir;
  TableOptions opts;
  opts.log_cleanup = false;  // checkpoints every 10 versions, nothing deleted
  ASSERT_TRUE(DeltaTable::OpenLocal(dir.str(), opts).Create(PinSchema(), {FakeFile("p-000")}));
  int lists = 0;
  DeltaTable writer(std::make_unique<RacingStorage>(NewLocalTableStorage(dir.str()), nullptr, &lists),
                    opts);
  std::set<std::string> expected{"p-000"};
  auto append = [&](DeltaTable& t, const std::string& path, int64_t batch,
                    const std::string& app = "stream") {
    auto r = t.Commit({WriteMode::kAppend, {FakeFile(path)}, Txn{app, batch, {}}});
    ASSERT_TRUE(r) << r.error().ToString();
    ASSERT_FALSE(r->skipped);
    expected.insert(path);
  };
  for (int i = 1; i <= 45; ++i) append(writer, "p-" + std::to_string(1000 + i), i);
  EXPECT_EQ(lists, 1);  // the first commit's Load; none per commit, none per checkpoint
  auto snap = DeltaTable::OpenLocal(dir.str(), opts).LoadSnapshot();
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->version(), 45);
  EXPECT_EQ(snap->checkpoint_version(), 40);  // read from the checkpoint the tip wrote
  EXPECT_EQ(Paths(*snap), expected);
  EXPECT_EQ(snap->TxnVersion("stream"), 45);
  // A re-sent batch is skipped from the tip, writing nothing.
  auto again = writer.Commit({WriteMode::kAppend, {FakeFile("dup")}, Txn{"stream", 45, {}}});
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->skipped);
  // Another writer commits: the tip is stale, the put of its next version loses, the winner is
  // checked and the append lands after it; the next append reads the log again.
  auto other = DeltaTable::OpenLocal(dir.str(), opts);
  append(other, "q-1", 1, "other-app");
  append(writer, "p-2000", 46);
  append(writer, "p-2001", 47);
  EXPECT_EQ(lists, 2);
  // An overwrite never reads the tip; the appends after it start from a fresh Load.
  ASSERT_TRUE(writer.Commit({WriteMode::kOverwrite, {FakeFile("o-1")}, std::nullopt}));
  expected = {"o-1"};
  append(writer, "p-3000", 48);
  snap = DeltaTable::OpenLocal(dir.str(), opts).LoadSnapshot();
  ASSERT_TRUE(snap);
  EXPECT_EQ(Paths(*snap), expected);
  EXPECT_EQ(snap->TxnVersion("stream"), 48);
}

TEST(DeltaTable, ConcurrentWritersLoseNothing) {
  TempDir dir;
  {
    auto table = DeltaTable::OpenLocal(dir.str(), NoCheckpoints());
    ASSERT_TRUE(table.Create(PinSchema()));
  }
  constexpr int kWriters = 4, kCommits = 25;
  std::vector<std::thread> threads;
  std::atomic<int> retried{0}, failed{0};
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      // Each writer has its own table handle, as separate processes would.
      auto table = DeltaTable::OpenLocal(dir.str(), NoCheckpoints());
      for (int i = 0; i < kCommits; ++i) {
        auto r = table.Commit({WriteMode::kAppend,
                               {FakeFile("w" + std::to_string(w) + "-" + std::to_string(i))},
                               Txn{"writer-" + std::to_string(w), i, std::nullopt}});
        if (!r || r->skipped) {
          failed++;
        } else if (r->attempts > 1) {
          retried++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  auto table = DeltaTable::OpenLocal(dir.str(), NoCheckpoints());
  auto snap = table.LoadSnapshot();
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->version(), kWriters * kCommits);
  EXPECT_EQ(snap->files().size(), static_cast<size_t>(kWriters * kCommits));
  for (int w = 0; w < kWriters; ++w) {
    EXPECT_EQ(snap->TxnVersion("writer-" + std::to_string(w)), kCommits - 1);
  }
  RecordProperty("retried_commits", retried.load());
}

TEST(DeltaTable, ConcurrentProcessesLoseNothing) {
  TempDir dir;
  {
    auto table = DeltaTable::OpenLocal(dir.str(), NoCheckpoints());
    ASSERT_TRUE(table.Create(PinSchema()));
  }
  constexpr int kProcs = 3, kCommits = 10;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto table = DeltaTable::OpenLocal(dir.str(), NoCheckpoints());
      int bad = 0;
      for (int i = 0; i < kCommits; ++i) {
        auto r = table.Commit({WriteMode::kAppend,
                               {FakeFile("p" + std::to_string(p) + "-" + std::to_string(i))},
                               std::nullopt});
        bad += !r;
      }
      ::_exit(bad);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto snap = DeltaTable::OpenLocal(dir.str(), NoCheckpoints()).LoadSnapshot();
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->version(), kProcs * kCommits);
  EXPECT_EQ(snap->files().size(), static_cast<size_t>(kProcs * kCommits));
}

}  // namespace
}  // namespace pinpipe::lake

namespace pinpipe::lake {
namespace {

AddFile DayFile(const std::string& path, const std::string& ds) {
  AddFile a = FakeFile(path);
  a.partition_values.emplace("ds", ds);
  return a;
}

Result<CommitResult> ReplaceDay(DeltaTable& t, const std::string& ds, std::vector<AddFile> adds,
                                const std::string& meta) {
  CommitOptions o;
  o.replace_partition = StringMap{{"ds", ds}};
  o.user_metadata = meta;
  return t.Commit({WriteMode::kOverwrite, std::move(adds), std::nullopt}, o);
}

TEST(DeltaTablePartitions, ReplaceWhereRemovesOnlyThatPartitionsFiles) {
  TempDir dir;
  auto table = DeltaTable::OpenLocal(dir.str(), NoCheckpoints());
  CreateOptions co;
  co.partition_columns = {"ds"};
  co.user_metadata = "created";
  ASSERT_TRUE(table.Create(PinSchema(), {}, "pin", co));
  ASSERT_TRUE(ReplaceDay(table, "2026-11-01", {DayFile("d1a", "2026-11-01"), DayFile("d1b", "2026-11-01")}, "r1"));
  ASSERT_TRUE(ReplaceDay(table, "2026-11-02", {DayFile("d2a", "2026-11-02")}, "r2"));
  // Rerun of day 1: its two files go, day 2's stays.
  auto r = ReplaceDay(table, "2026-11-01", {DayFile("d1c", "2026-11-01")}, "r3");
  ASSERT_TRUE(r) << r.error().ToString();
  auto snap = table.LoadSnapshot();
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->metadata().partition_columns, std::vector<std::string>{"ds"});
  EXPECT_EQ(Paths(*snap), (std::set<std::string>{"d1c", "d2a"}));
  auto body = table.storage().Get(CommitKey(r->version));
  ASSERT_TRUE(body);
  auto actions = ParseCommit(*body, "v3");
  ASSERT_TRUE(actions);
  std::set<std::string> removed;
  const CommitInfo* ci = nullptr;
  for (const auto& a : *actions) {
    if (const auto* rm = std::get_if<RemoveFile>(&a)) removed.insert(rm->path);
    if (const auto* c = std::get_if<CommitInfo>(&a)) ci = c;
  }
  EXPECT_EQ(removed, (std::set<std::string>{"d1a", "d1b"}));
  ASSERT_NE(ci, nullptr);
  EXPECT_EQ(ci->user_metadata, "r3");
  EXPECT_EQ(ci->operation_parameters.at("predicate"), R"x(["(ds = '2026-11-01')"])x");
  EXPECT_EQ(ci->operation_parameters.at("mode"), "Overwrite");
  EXPECT_EQ(ci->operation_parameters.at("partitionBy"), R"(["ds"])");
  auto history = ReadHistory(table.storage());
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 4u);
  EXPECT_EQ(history->front().commit_info->user_metadata, "r3");  // newest first
  EXPECT_EQ(history->back().commit_info->user_metadata, "created");
}

TEST(DeltaTablePartitions, ReplaceOfAnotherPartitionDoesNotConflictButTheSameDoes) {
  TempDir dir;
  auto table = DeltaTable::OpenLocal(dir.str(), NoCheckpoints());
  CreateOptions co;
  co.partition_columns = {"ds"};
  ASSERT_TRUE(table.Create(PinSchema(), {DayFile("d1", "2026-11-01"), DayFile("d2", "2026-11-02")}, "pin", co));
  // A concurrent replace of day 2 wins the version we wanted for day 1: no conflict.
  CommitOptions day1;
  day1.replace_partition = StringMap{{"ds", "2026-11-01"}};
  CommitOptions day2;
  day2.replace_partition = StringMap{{"ds", "2026-11-02"}};
  {
    auto racing = std::make_unique<RacingStorage>(NewLocalTableStorage(dir.str()), [&](std::string_view) {
      auto other = DeltaTable::OpenLocal(dir.str(), NoCheckpoints());
      ASSERT_TRUE(other.Commit({WriteMode::kOverwrite, {DayFile("d2x", "2026-11-02")}, std::nullopt}, day2));
    });
    DeltaTable t(std::move(racing), NoCheckpoints());
    auto r = t.Commit({WriteMode::kOverwrite, {DayFile("d1x", "2026-11-01")}, std::nullopt}, day1);
    ASSERT_TRUE(r) << r.error().ToString();
    EXPECT_EQ(r->attempts, 2);
  }
  auto snap = table.LoadSnapshot();
  ASSERT_TRUE(snap);
  EXPECT_EQ(Paths(*snap), (std::set<std::string>{"d1x", "d2x"}));
  // The same partition replaced concurrently: conflict, nothing of ours committed.
  {
    auto racing = std::make_unique<RacingStorage>(NewLocalTableStorage(dir.str()), [&](std::string_view) {
      auto other = DeltaTable::OpenLocal(dir.str(), NoCheckpoints());
      ASSERT_TRUE(other.Commit({WriteMode::kOverwrite, {DayFile("d1y", "2026-11-01")}, std::nullopt}, day1));
    });
    DeltaTable t(std::move(racing), NoCheckpoints());
    auto r = t.Commit({WriteMode::kOverwrite, {DayFile("d1z", "2026-11-01")}, std::nullopt}, day1);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  }
}

TEST(DeltaTablePartitions, NewMetadataRepartitionsAWholeTableInOneOverwrite) {
  TempDir dir;
  auto table = DeltaTable::OpenLocal(dir.str(), NoCheckpoints());
  ASSERT_TRUE(table.Create(PinSchema(), {FakeFile("old")}));
  auto snap = table.LoadSnapshot();
  ASSERT_TRUE(snap);
  CommitOptions o;
  o.new_metadata = snap->metadata();
  o.new_metadata->partition_columns = {"ds"};
  ASSERT_TRUE(table.Commit({WriteMode::kOverwrite, {DayFile("new", "2026-11-01")}, std::nullopt}, o));
  snap = table.LoadSnapshot();
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->metadata().partition_columns, std::vector<std::string>{"ds"});
  EXPECT_EQ(Paths(*snap), (std::set<std::string>{"new"}));
}

}  // namespace
}  // namespace pinpipe::lake
