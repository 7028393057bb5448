// LiveFollower over a real local lake: the batch's clean tables read at exactly the boundary's
// versions (a later clean commit is not in the view until a new boundary names it), the
// streaming tables followed commit by commit, a compaction (dataChange=false) not counted
// twice, a streaming row equal to a row of the batch view counted once, and the boundary
// moving atomically — each compared with RunAnalytics over the rows the view should hold:
// B, then every streaming row B holds no equal row of.
#include "live/live_follower.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "batch/analytics_boundary.h"
#include "batch/tasks.h"
#include "lake/delta_optimize.h"
#include "live_test_util.h"
#include "pinterest/analytics.h"
#include "stream/stream_tables.h"

namespace pinpipe::live {
namespace {

namespace fs = std::filesystem;
using pinterest::CleanGeoTable;
using pinterest::CleanPinTable;
using pinterest::CleanUserTable;
using pinterest::MedianMode;
using testing::Lines;
using testing::RandomTables;

// Every column of the clean schemas (the writer needs them all): the others null.
CleanPinTable FullPins(const CleanPinTable& t, size_t b, size_t e) {
  CleanPinTable o;
  testing::AppendPinRows(t, b, e, &o);
  for (size_t i = b; i < e; ++i) {
    for (auto* c : {&o.unique_id, &o.title, &o.description, &o.tag_list, &o.is_image_or_video, &o.image_src,
                    &o.save_location}) {
      c->AppendNull();
    }
  }
  return o;
}
CleanGeoTable FullGeos(const CleanGeoTable& t, size_t b, size_t e) {
  CleanGeoTable o;
  testing::AppendGeoRows(t, b, e, &o);
  for (size_t i = b; i < e; ++i) {
    o.latitude.AppendNull();
    o.longitude.AppendNull();
  }
  return o;
}

class LiveFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pinpipe_live_XXXXXX";
    dir_ = mkdtemp(tmpl);
    batch::BatchSettings s;
    s.lake_uri = dir_;
    lake_ = std::move(*batch::BatchLake::Open(s));
    settings_.stream_tables = {"delta/t_pin_table", "delta/t_geo_table", "delta/t_user_table"};
    settings_.median = MedianMode::kInterpolated;
  }
  void TearDown() override { fs::remove_all(dir_); }

  stream::StreamTable Table(const std::string& rel, size_t k) {
    std::span<const pinterest::ColumnSpec> specs = k == 0   ? CleanPinTable::Schema()
                                                   : k == 1 ? CleanGeoTable::Schema()
                                                            : CleanUserTable::Schema();
    return stream::StreamTable(lake_->Table(rel), specs, rel);
  }
  // Appends rows [b, e) of each kind of `src` to the three tables named `rels`; returns the versions.
  std::array<int64_t, 3> Append(const std::array<std::string, 3>& rels, const RandomTables& src,
                                std::array<size_t, 2> pin, std::array<size_t, 2> geo,
                                std::array<size_t, 2> user) {
    ++batch_;
    std::array<int64_t, 3> v{};
    auto t0 = Table(rels[0], 0);
    v[0] = t0.Append(FullPins(src.pin, pin[0], pin[1]), "app", batch_)->version;
    auto t1 = Table(rels[1], 1);
    v[1] = t1.Append(FullGeos(src.geo, geo[0], geo[1]), "app", batch_)->version;
    CleanUserTable u;
    testing::AppendUserRows(src.user, user[0], user[1], &u);
    auto t2 = Table(rels[2], 2);
    v[2] = t2.Append(u, "app", batch_)->version;
    if (rels == settings_.stream_tables) {  // the streaming rows so far
      testing::AppendPinRows(src.pin, pin[0], pin[1], &stream_.pin);
      testing::AppendGeoRows(src.geo, geo[0], geo[1], &stream_.geo);
      testing::AppendUserRows(src.user, user[0], user[1], &stream_.user);
    }
    return v;
  }
  // The rows the view should hold: boundary_ (B), then the streaming rows B holds no equal of.
  RandomTables Expected() const {
    RandomTables e = boundary_;
    auto keep = [](const auto& b, const auto& s, auto append, auto* out) {
      std::set<std::string> in_b;
      for (size_t r = 0; r < b.size(); ++r) in_b.insert(testing::RowKey(b, r));
      for (size_t r = 0; r < s.size(); ++r) {
        if (!in_b.contains(testing::RowKey(s, r))) append(s, r, r + 1, out);
      }
    };
    keep(boundary_.pin, stream_.pin, testing::AppendPinRows, &e.pin);
    keep(boundary_.geo, stream_.geo, testing::AppendGeoRows, &e.geo);
    keep(boundary_.user, stream_.user, testing::AppendUserRows, &e.user);
    return e;
  }
  void ExpectView(const LiveView& view, const std::string& where) {
    const RandomTables rows = Expected();
    auto snap = view.Current();
    ASSERT_TRUE(snap) << where;
    pinterest::AnalyticsOptions o;
    o.median = settings_.median;
    const auto want = pinterest::RunAnalytics(rows.pin, rows.geo, rows.user, o);
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(Lines(snap->live[i]), Lines(want[i])) << where << " " << want[i].name;
    }
    EXPECT_EQ(snap->counts.pins, rows.pin.size()) << where;
    EXPECT_EQ(snap->stream_in_batch[0], stream_.pin.size() + boundary_.pin.size() - rows.pin.size()) << where;
  }

  std::string dir_;
  std::unique_ptr<batch::BatchLake> lake_;
  LiveSettings settings_;
  int64_t batch_ = 0;
  RandomTables stream_, boundary_;
};

TEST_F(LiveFollowerTest, BoundaryStreamFollowCompactionAndSwap) {
  const RandomTables rows = testing::MakeRandom(3, 400, 400, 400, 50);
  const std::array<std::string, 3> clean = {batch::CleanTablePath(pinterest::RawKind::kPin),
                                            batch::CleanTablePath(pinterest::RawKind::kGeo),
                                            batch::CleanTablePath(pinterest::RawKind::kUser)};
  LiveView view;
  LiveFollower follower(lake_.get(), settings_, &view);

  // Nothing yet: an empty view, then stream rows alone.
  ASSERT_TRUE(follower.PollOnce());
  ExpectView(view, "empty");
  Append(settings_.stream_tables, rows, {0, 50}, {0, 30}, {0, 20});
  ASSERT_TRUE(follower.PollOnce());
  ExpectView(view, "stream only");

  // A batch run read the clean tables at these versions; a later clean commit is past the
  // boundary and stays out of the view.
  const auto v1 = Append(clean, rows, {50, 150}, {30, 130}, {20, 120});
  batch::AnalyticsBoundary b{"pinterest_batch", "run-1", "2026-11-21", 1, v1[0], v1[1], v1[2], std::nullopt};
  ASSERT_TRUE(batch::WriteAnalyticsBoundary(lake_->store(), b));
  const auto v2 = Append(clean, rows, {150, 200}, {130, 180}, {120, 170});
  // The second clean commit is not in the view yet.
  testing::AppendPinRows(rows.pin, 50, 150, &boundary_.pin);
  testing::AppendGeoRows(rows.geo, 30, 130, &boundary_.geo);
  testing::AppendUserRows(rows.user, 20, 120, &boundary_.user);
  // Rows posted on both paths: some of B's rows are streamed too (and some of the next run's).
  Append(settings_.stream_tables, rows, {60, 90}, {40, 60}, {30, 50});
  Append(settings_.stream_tables, rows, {160, 170}, {140, 150}, {130, 140});
  ASSERT_TRUE(follower.PollOnce());
  ExpectView(view, "at the boundary");
  EXPECT_EQ(view.Current()->batch_counts.pins, 100u);
  EXPECT_GE(view.Current()->stream_in_batch[0], 30u);
  EXPECT_GE(view.Current()->stream_in_batch[2], 20u);

  // More stream commits, some in several batches, then a compaction of the stream pin table:
  // its dataChange=false commit adds rows already counted.
  for (size_t i = 0; i < 5; ++i) {
    Append(settings_.stream_tables, rows, {200 + i * 20, 220 + i * 20}, {180 + i * 20, 200 + i * 20},
           {170 + i * 20, 190 + i * 20});
  }
  // And one streamed after the boundary moved (followed, not rebuilt).
  Append(settings_.stream_tables, rows, {100, 110}, {100, 110}, {100, 110});
  ASSERT_TRUE(follower.PollOnce());
  ExpectView(view, "followed");
  {
    lake::DeltaTable t(lake_->Table(settings_.stream_tables[0]));
    lake::OptimizeOptions oo;
    oo.target_file_bytes = 1 << 30;
    oo.min_files = 2;
    auto r = lake::Optimize(t, oo);
    ASSERT_TRUE(r) << r.error().message();
    ASSERT_GE(r->version, 0);
  }
  Append(settings_.stream_tables, rows, {300, 320}, {280, 300}, {270, 290});
  ASSERT_TRUE(follower.PollOnce());
  ExpectView(view, "after a compaction");

  // The next run lands: its boundary includes the clean commit made after the first one.
  b.run_id = "run-2";
  b.pin_version = v2[0], b.geo_version = v2[1], b.user_version = v2[2];
  ASSERT_TRUE(batch::WriteAnalyticsBoundary(lake_->store(), b));
  testing::AppendPinRows(rows.pin, 150, 200, &boundary_.pin);
  testing::AppendGeoRows(rows.geo, 130, 180, &boundary_.geo);
  testing::AppendUserRows(rows.user, 120, 170, &boundary_.user);
  ASSERT_TRUE(follower.PollOnce());
  ExpectView(view, "after the next batch run");
  EXPECT_EQ(view.Current()->boundary->run_id, "run-2");
  EXPECT_EQ(view.Current()->batch_counts.pins, 150u);

  // The batch view is the boundary's rows alone.
  RandomTables batch_only;
  testing::AppendPinRows(rows.pin, 50, 200, &batch_only.pin);
  testing::AppendGeoRows(rows.geo, 30, 180, &batch_only.geo);
  testing::AppendUserRows(rows.user, 20, 170, &batch_only.user);
  pinterest::AnalyticsOptions o;
  o.median = settings_.median;
  const auto want = pinterest::RunAnalytics(batch_only.pin, batch_only.geo, batch_only.user, o);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(Lines(view.Current()->batch[i]), Lines(want[i]));
}

// The join rows on disk behind a two-page cache under <lake>/state/live: the view still equals
// the batch while thousands of rows stream in many commits and across a boundary move (a
// rebuild into new files), and the store's files are never visible in the directory.
TEST_F(LiveFollowerTest, SmallJoinCacheOnDiskEqualsBatchAcrossRebuild) {
  const RandomTables rows = testing::MakeRandom(8, 3000, 3000, 3000, 900);
  const std::string state = dir_ + "/state/live";
  settings_.join_store = {.dir = state, .cache_bytes = 2 * JoinStore::kPageBytes};
  LiveView view;
  LiveFollower follower(lake_.get(), settings_, &view);
  for (size_t i = 0; i < 10; ++i) {
    Append(settings_.stream_tables, rows, {i * 200, i * 200 + 200}, {i * 150, i * 150 + 150}, {i * 100, i * 100 + 100});
    ASSERT_TRUE(follower.PollOnce());
    if (i % 3 == 2) ExpectView(view, "stream commit " + std::to_string(i));
    EXPECT_TRUE(fs::is_empty(state));
  }
  // A batch run over other rows lands: the state is rebuilt from B and the streaming tables.
  const std::array<std::string, 3> clean = {batch::CleanTablePath(pinterest::RawKind::kPin),
                                            batch::CleanTablePath(pinterest::RawKind::kGeo),
                                            batch::CleanTablePath(pinterest::RawKind::kUser)};
  const auto v = Append(clean, rows, {2000, 3000}, {1500, 3000}, {1000, 3000});
  batch::AnalyticsBoundary b{"pinterest_batch", "run-1", "2026-11-21", 1, v[0], v[1], v[2], std::nullopt};
  ASSERT_TRUE(batch::WriteAnalyticsBoundary(lake_->store(), b));
  testing::AppendPinRows(rows.pin, 2000, 3000, &boundary_.pin);
  testing::AppendGeoRows(rows.geo, 1500, 3000, &boundary_.geo);
  testing::AppendUserRows(rows.user, 1000, 3000, &boundary_.user);
  ASSERT_TRUE(follower.PollOnce());
  ExpectView(view, "rebuilt at the boundary");
  Append(settings_.stream_tables, rows, {2500, 2600}, {2000, 2100}, {1500, 1600});  // some in B
  ASSERT_TRUE(follower.PollOnce());
  ExpectView(view, "followed after the rebuild");
  EXPECT_TRUE(fs::is_empty(state));
  // The snapshot reports the store: every row of the view in it, pages gone to disk and back.
  const auto snap = view.Current();
  EXPECT_EQ(snap->join_store.rows, snap->counts.pins + snap->counts.geos + snap->counts.users);
  EXPECT_EQ(snap->join_store.cache_bytes, 2 * JoinStore::kPageBytes);
  EXPECT_GT(snap->join_store.disk_bytes, 10 * snap->join_store.cache_bytes);
  EXPECT_GT(snap->join_store.page_reads, 0u);
  EXPECT_GT(snap->join_store.page_writes, 0u);
  EXPECT_NE(snap->live_json[0].find("\"join_store\":{\"rows\":" + std::to_string(snap->join_store.rows)),
            std::string::npos);
}

// The follower's own thread: readers take snapshots while commits land; every snapshot they
// see is whole (nine tables, generations increasing), and the last one equals the batch.
TEST_F(LiveFollowerTest, ThreadFollowsWhileReadersRead) {
  const RandomTables rows = testing::MakeRandom(8, 300, 300, 300, 40);
  settings_.poll_ms = 5;
  LiveView view;
  LiveFollower follower(lake_.get(), settings_, &view);
  follower.Start();
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> reads{0};
  std::thread reader([&] {
    uint64_t last = 0;
    while (!stop.load()) {
      if (auto s = view.Current()) {
        EXPECT_EQ(s->live.size(), 9u);
        EXPECT_EQ(s->live_json.size(), 9u);
        EXPECT_GE(s->generation, last);
        last = s->generation;
        reads.fetch_add(1);
      }
    }
  });
  for (size_t i = 0; i < 10; ++i) {
    Append(settings_.stream_tables, rows, {i * 30, i * 30 + 30}, {i * 30, i * 30 + 30}, {i * 30, i * 30 + 30});
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline &&
         (!view.Current() || view.Current()->counts.users < 300)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  follower.Stop();
  stop = true;
  reader.join();
  EXPECT_GT(reads.load(), 0u);
  ExpectView(view, "after the thread caught up");
}

TEST(LiveViewTest, TableJsonRoundTrips) {
  const RandomTables rows = testing::MakeRandom(5, 100, 100, 100, 20);
  LiveAnalytics a;
  a.AddPins(rows.pin);
  a.AddGeos(rows.geo);
  a.AddUsers(rows.user);
  for (MedianMode mode : {MedianMode::kLower, MedianMode::kInterpolated}) {
    LiveSnapshot s;
    s.median = mode;
    s.live = a.Results(mode);
    s.batch = s.live;
    for (size_t i = 0; i < s.live.size(); ++i) {
      auto back = TableFromJson(TableJson(s, i, false));
      ASSERT_TRUE(back) << back.error().message();
      EXPECT_EQ(Lines(*back), Lines(s.live[i]));
    }
  }
}

}  // namespace
}  // namespace pinpipe::live

namespace pinpipe::live {
namespace {

TEST(AnalyticsBoundaryTest, RoundTripsWithAndWithoutWindow) {
  batch::AnalyticsBoundary b{"pinterest_batch", "manual__2026-11-21", "2026-11-21", 1764000000000, 3, 4, 5,
                             std::nullopt};
  auto back = batch::DecodeAnalyticsBoundary(batch::EncodeAnalyticsBoundary(b));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_TRUE(*back == b);
  b.window = batch::DateRange{"2026-11-15", "2026-11-21"};
  back = batch::DecodeAnalyticsBoundary(batch::EncodeAnalyticsBoundary(b));
  ASSERT_TRUE(back && back->window);
  EXPECT_EQ(back->window->first, "2026-11-15");
  EXPECT_TRUE(*back == b);
  b.user_version = 6;
  EXPECT_FALSE(*back == b);  // a new run's versions are a new boundary
  EXPECT_FALSE(batch::DecodeAnalyticsBoundary("{\"run_id\":\"x\"}"));
  EXPECT_FALSE(batch::DecodeAnalyticsBoundary("not json"));
}

}  // namespace
}  // namespace pinpipe::live
