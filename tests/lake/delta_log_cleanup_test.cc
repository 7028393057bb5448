// Log cleanup by retention: after a checkpoint, the commits and checkpoints that expired under
// delta.logRetentionDuration and precede the newest checkpoint at or before the cut-off go; every
// version from that checkpoint on still loads, and time travel before it fails cleanly. Time is a
// ManualClock; the files' ages are set on disk.
#include "lake/delta_log_cleanup.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "common/clock.h"
#include "lake/delta_log_files.h"
#include "lake/delta_table.h"
#include "lake/delta_vacuum.h"
#include "temp_dir.h"

namespace pinpipe::lake {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kDayMs = 24 * 3600 * 1000;

using testing::TempDir;

DeltaSchema Schema() { return DeltaType::Struct({{"ind", DeltaType::Primitive("long")}}); }

AddFile File(int i) {
  AddFile a;
  a.path = "part-" + std::to_string(i) + ".parquet";
  a.size = 100;
  a.modification_time = 1;
  a.stats = R"({"numRecords":1})";
  return a;
}

// The real clock's wall time: files on disk carry it, the ManualClock starts from it.
int64_t RealNowMs() { return Clock::System().WallMs(); }

struct Fixture {
  TempDir dir;
  ManualClock clock{1'000'000, RealNowMs()};
  DeltaTable table;
  int next_file = 0;

  explicit Fixture(StringMap configuration = {})
      : table(DeltaTable::OpenLocal(dir.str(), Options(&clock))) {
    EXPECT_TRUE(table.Create(Schema()));
    if (!configuration.empty()) {  // version 1: the properties (Spark: ALTER TABLE SET TBLPROPERTIES)
      auto snap = table.LoadSnapshot();
      EXPECT_TRUE(snap);
      Metadata md = snap->metadata();
      md.configuration = std::move(configuration);
      CommitOptions o;
      o.new_metadata = md;
      EXPECT_TRUE(table.Commit({WriteMode::kOverwrite, {}, std::nullopt}, o));
    }
  }

  static TableOptions Options(const Clock* clock) {
    TableOptions o;
    o.clock = clock;
    return o;
  }

  // Appends until the table's version is `version`; returns the last commit's result.
  CommitResult AppendTo(int64_t version) {
    CommitResult last;
    for (;;) {
      auto r = table.Commit({WriteMode::kAppend, {File(next_file++)}, std::nullopt});
      EXPECT_TRUE(r) << r.error().ToString();
      if (!r) return last;
      last = *r;
      if (r->version >= version) return last;
    }
  }

  // Sets the modification time of every log file of a version <= `version` to `age_ms` ago.
  void Age(int64_t version, int64_t age_ms) {
    for (const auto& e : fs::directory_iterator(dir.path() / "_delta_log")) {
      const auto f = ParseLogFileName(e.path().filename().string());
      if (!f || f->version > version) continue;
      fs::last_write_time(e.path(), fs::file_time_type::clock::now() -
                                        std::chrono::milliseconds(age_ms));
    }
  }

  std::set<std::string> LogFiles() const {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir.path() / "_delta_log")) {
      const std::string name = e.path().filename().string();
      if (ParseLogFileName(name)) out.insert(name);
    }
    return out;
  }
};

std::string Commit(int64_t v) { return CommitKey(v).substr(kLogDir.size()); }
std::string Checkpoint(int64_t v) { return CheckpointKey(v).substr(kLogDir.size()); }

TEST(DeltaLogCleanup, ExpiredCommitsBeforeTheCheckpointAtTheCutOffGo) {
  Fixture t;
  t.AppendTo(14);
  t.Age(14, 40 * kDayMs);  // versions 0..14 (and checkpoint 10) are 40 days old
  auto before = t.table.LoadSnapshot();
  ASSERT_TRUE(before);

  // The checkpoint at 20 runs the cleanup: the newest commit past the cut-off is 14, the newest
  // checkpoint at or before it is 10, so commits 0..9 go and 10 onwards stay.
  const CommitResult r = t.AppendTo(20);
  EXPECT_EQ(r.checkpoint, 20);
  EXPECT_FALSE(r.log_cleanup_error);
  EXPECT_EQ(r.log_files_deleted, 10);
  std::set<std::string> want;
  for (int64_t v = 10; v <= 20; ++v) want.insert(Commit(v));
  want.insert(Checkpoint(10));
  want.insert(Checkpoint(20));
  EXPECT_EQ(t.LogFiles(), want);

  auto latest = t.table.LoadSnapshot();
  ASSERT_TRUE(latest) << latest.error().ToString();
  EXPECT_EQ(latest->version(), 20);
  EXPECT_EQ(latest->files().size(), 20u);
  // Time travel: every version from the checkpoint on, none before it.
  for (int64_t v = 10; v <= 20; ++v) {
    auto s = t.table.LoadSnapshot(v);
    ASSERT_TRUE(s) << v << ": " << s.error().ToString();
    EXPECT_EQ(s->files().size(), static_cast<size_t>(v));
  }
  auto gone = t.table.LoadSnapshot(9);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(t.table.LoadSnapshot(14)->files(), before->files());
}

TEST(DeltaLogCleanup, NothingWithinTheRetentionOrWithoutAnOldEnoughCheckpoint) {
  Fixture t;
  t.AppendTo(25);
  // 29 days old: within the default 30 days.
  t.Age(25, 29 * kDayMs);
  EXPECT_EQ(t.AppendTo(30).log_files_deleted, 0);
  // Moving the clock past the retention expires them: the newest commit past the cut-off is
  // 25 (26..30 carry today's time), the checkpoint at or before it is 20.
  t.clock.Advance(2 * kDayMs);
  const CommitResult r = t.AppendTo(40);
  EXPECT_EQ(r.log_files_deleted, 20 + 1);  // commits 0..19, checkpoint 10
  EXPECT_EQ(*t.LogFiles().begin(), Checkpoint(20));
  EXPECT_FALSE(t.LogFiles().contains(Checkpoint(10)));
  ASSERT_TRUE(t.table.LoadSnapshot(20));

  // Only commits before the first checkpoint expired: no checkpoint at or before the cut-off
  // commit, nothing to delete.
  Fixture u;
  u.AppendTo(12);
  u.Age(8, 40 * kDayMs);
  EXPECT_EQ(u.AppendTo(20).log_files_deleted, 0);
  EXPECT_TRUE(u.LogFiles().contains(Commit(0)));
}

TEST(DeltaLogCleanup, TablePropertiesAreHonoured) {
  // delta.logRetentionDuration = 2 days: 3-day-old files expire.
  Fixture t(StringMap{{"delta.logRetentionDuration", "interval 2 days"}});
  t.AppendTo(14);
  t.Age(14, 3 * kDayMs);
  EXPECT_EQ(t.AppendTo(20).log_files_deleted, 10);
  EXPECT_FALSE(t.LogFiles().contains(Commit(0)));

  // The default keeps them.
  Fixture d;
  d.AppendTo(14);
  d.Age(14, 3 * kDayMs);
  EXPECT_EQ(d.AppendTo(20).log_files_deleted, 0);

  // delta.enableExpiredLogCleanup = false keeps everything.
  Fixture off(StringMap{{"delta.enableExpiredLogCleanup", "false"}});
  off.AppendTo(14);
  off.Age(14, 40 * kDayMs);
  EXPECT_EQ(off.AppendTo(20).log_files_deleted, 0);
  EXPECT_TRUE(off.LogFiles().contains(Commit(0)));
}

TEST(DeltaLogCleanup, TimestampsAreMadeMonotonicByVersion) {
  // Commit 15 looks 40 days old but follows today's commits 11..14: it counts as newer than 14,
  // so the cut-off commit is 9 and no checkpoint precedes it.
  Fixture t;
  t.AppendTo(15);
  t.Age(9, 40 * kDayMs);
  fs::last_write_time(t.dir.path() / CommitKey(15),
                      fs::file_time_type::clock::now() - std::chrono::hours(40 * 24));
  EXPECT_EQ(t.AppendTo(20).log_files_deleted, 0);
}

TEST(DeltaLogCleanup, CutOffIsTheStartOfItsUtcDay) {
  // Every log file written at noon UTC of day D; a 30-day retention. At D+30 18:00 the cut-off
  // (D 18:00) truncates to D 00:00, before the files: kept. At D+31 noon it is D+1 00:00: gone.
  Fixture t;
  t.AppendTo(11);
  const int64_t day = RealNowMs() / kDayMs - 60;
  const int64_t noon = day * kDayMs + 12 * 3600 * 1000;
  for (const auto& e : fs::directory_iterator(t.dir.path() / "_delta_log")) {
    if (!ParseLogFileName(e.path().filename().string())) continue;
    const std::chrono::sys_time<std::chrono::milliseconds> at{std::chrono::milliseconds(noon)};
    fs::last_write_time(e.path(), std::chrono::file_clock::from_sys(at));
  }
  auto storage = NewLocalTableStorage(t.dir.str());
  auto snap = t.table.LoadSnapshot();
  ASSERT_TRUE(snap);
  auto kept = CleanupExpiredLogs(*storage, snap->metadata(), noon + 30 * kDayMs + 6 * 3600 * 1000);
  ASSERT_TRUE(kept) << kept.error().ToString();
  EXPECT_TRUE(kept->deleted.empty());
  auto gone = CleanupExpiredLogs(*storage, snap->metadata(), noon + 31 * kDayMs);
  ASSERT_TRUE(gone) << gone.error().ToString();
  EXPECT_EQ(gone->oldest_checkpoint, 10);
  EXPECT_EQ(gone->deleted.size(), 10u);
  EXPECT_EQ(gone->deleted.front(), CommitKey(0));
  EXPECT_TRUE(t.table.LoadSnapshot(10));
}

TEST(DeltaLogCleanup, ParsesDeltaIntervals) {
  using std::chrono::hours;
  EXPECT_EQ(ParseDeltaInterval("interval 30 days"), hours(720));
  EXPECT_EQ(ParseDeltaInterval("interval 1 week"), hours(168));
  EXPECT_EQ(ParseDeltaInterval("36 hours"), hours(36));
  EXPECT_EQ(ParseDeltaInterval("interval 90 seconds"), std::chrono::seconds(90));
  EXPECT_FALSE(ParseDeltaInterval("interval"));
  EXPECT_FALSE(ParseDeltaInterval("interval 3 fortnights"));
  EXPECT_FALSE(ParseDeltaInterval("interval 1 day 2 hours"));
  Metadata md;
  EXPECT_EQ(LogRetention(md), kDefaultLogRetention);
  md.configuration["delta.logRetentionDuration"] = "bogus";
  EXPECT_EQ(LogRetention(md), kDefaultLogRetention);
  EXPECT_TRUE(ExpiredLogCleanupEnabled(md));
  md.configuration["delta.enableExpiredLogCleanup"] = "false";
  EXPECT_FALSE(ExpiredLogCleanupEnabled(md));
}

}  // namespace
}  // namespace pinpipe::lake
