// JoinStore against a brute-force model: every Add must report exactly the stored entries with
// its ind and an accepted kind (duplicates each once: joins multiply as in SQL), whatever the
// order of arrival, while a cache of a few pages forces every page out to disk and back and
// the table splits many times. And CountedMedian against RunningMedian and a sort.
#include "live/join_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <filesystem>
#include <fstream>
#include <random>
#include <tuple>
#include <unordered_map>

#include "live/counted_median.h"
#include "live/running_median.h"
#include "pinterest/median.h"
#include "live_test_util.h"

namespace pinpipe::live {
namespace {

// Pins (kind 0) join geos (1) and users (2); geos and users join pins only, as LiveAnalytics.
bool Partner(uint8_t mine, uint8_t theirs) { return mine == 0 ? theirs != 0 : theirs == 0; }

// Feeds `rows` in order to a store and a model; each Add's partners must be the model's.
void ExpectModel(JoinStore& store, const std::vector<JoinEntry>& rows, const std::string& where) {
  std::unordered_map<int64_t, std::vector<JoinEntry>> model;  // by ind
  for (size_t i = 0; i < rows.size(); ++i) {
    const JoinEntry& e = rows[i];
    std::vector<uint32_t> got, want;
    store.Add(e, [&](uint8_t k) { return Partner(e.kind, k); }, [&](const JoinEntry& x) {
      EXPECT_EQ(x.ind, e.ind);
      got.push_back(x.b);  // b = the row's number: identifies it, duplicates included
    });
    for (const JoinEntry& m : model[e.ind]) {
      if (Partner(e.kind, m.kind)) want.push_back(m.b);
    }
    model[e.ind].push_back(e);
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    ASSERT_EQ(got, want) << where << " row " << i << " ind " << e.ind << " kind " << int(e.kind);
  }
  ASSERT_TRUE(store.ok()) << store.status().error().message();
  EXPECT_EQ(store.entries(), rows.size());
}

std::vector<JoinEntry> RandomRows(uint64_t seed, size_t n, int64_t inds) {
  std::mt19937_64 rng(seed);
  std::vector<JoinEntry> rows;
  for (size_t i = 0; i < n; ++i) {
    JoinEntry e{};
    e.ind = static_cast<int64_t>(rng() % static_cast<uint64_t>(inds)) - inds / 3;  // negative inds too
    e.kind = static_cast<uint8_t>(rng() % 3);
    e.a = static_cast<uint32_t>(rng());
    e.b = static_cast<uint32_t>(i);
    e.c = static_cast<int32_t>(rng());
    e.flag = static_cast<uint8_t>(rng());
    rows.push_back(e);
  }
  return rows;
}

TEST(JoinStoreTest, SpilledRowsJoinLaterInAnyOrderAndDuplicatesMultiply) {
  const std::string dir = ::testing::TempDir() + "/join_store_test";
  std::filesystem::create_directories(dir);
  // Few inds: long chains of duplicates; many: thousands of buckets and splits.
  for (int64_t inds : {1, 7, 300, 50'000}) {
    for (uint64_t seed = 1; seed <= std::max<uint64_t>(1, 3 / testing::kSeedDivisor); ++seed) {
      // Beyond 2040 rows (16 buckets 3/4 full) the table splits; few inds fan out quadratically.
      const size_t n = inds == 1 ? 2500 : inds == 7 ? 4000 : inds == 300 ? 10'000 : 30'000;
      auto rows = RandomRows(seed * 100 + static_cast<uint64_t>(inds), n, inds);
      // Partners in both orders: all of one kind first, then the reverse, then shuffled.
      for (int order = 0; order < 3; ++order) {
        if (order == 0) std::stable_sort(rows.begin(), rows.end(), [](auto& x, auto& y) { return x.kind < y.kind; });
        if (order == 1) std::reverse(rows.begin(), rows.end());
        if (order == 2) std::shuffle(rows.begin(), rows.end(), std::mt19937_64(seed));
        JoinStore store({.dir = dir, .cache_bytes = 2 * JoinStore::kPageBytes});
        ExpectModel(store, rows, "inds " + std::to_string(inds) + " seed " + std::to_string(seed) + " order " +
                                     std::to_string(order));
        if (::testing::Test::HasFatalFailure()) return;
        EXPECT_EQ(store.cache_bytes(), 2 * JoinStore::kPageBytes);
        if (inds > 1000) {
          EXPECT_GT(store.disk_bytes(), 50 * store.cache_bytes());  // the rows are on disk
          EXPECT_GT(store.reads(), 0u);
          EXPECT_GT(store.writes(), 0u);
        }
      }
    }
  }
  // The files are unlinked while in use: nothing is left in the directory.
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

// Every column of an entry comes back as it went in, from disk.
TEST(JoinStoreTest, EntriesRoundTripThroughDisk) {
  const auto rows = RandomRows(5, 20'000, 4'000);
  JoinStore store({.dir = "", .cache_bytes = 0});  // the minimum: two pages
  std::vector<JoinEntry> seen;
  for (const JoinEntry& e : rows) {
    store.Add(e, [](uint8_t) { return true; }, [&](const JoinEntry& x) { seen.push_back(x); });
  }
  ASSERT_TRUE(store.ok());
  ASSERT_FALSE(seen.empty());
  for (const JoinEntry& x : seen) {
    const JoinEntry& o = rows[x.b];
    EXPECT_EQ(std::tie(x.ind, x.a, x.b, x.c, x.kind, x.flag), std::tie(o.ind, o.a, o.b, o.c, o.kind, o.flag));
  }
}

TEST(JoinStoreTest, UnusableDirectoryIsAStickyError) {
  const std::string file = ::testing::TempDir() + "/join_store_not_a_dir";
  std::ofstream(file) << "x";
  JoinStore store({.dir = file + "/sub", .cache_bytes = 1 << 16});  // ENOTDIR, even for root
  EXPECT_FALSE(store.ok());
  int calls = 0;
  store.Add(JoinEntry{}, [](uint8_t) { return true; }, [&](const JoinEntry&) { ++calls; });
  EXPECT_EQ(calls, 0);
  EXPECT_FALSE(store.ok());
}

// CountedMedian = RunningMedian = the sorted definition, after every insert, for narrow
// (many duplicates) and wide value ranges, ascending, descending and random orders.
TEST(CountedMedianTest, MatchesRunningMedianAndSortedWithDuplicates) {
  std::mt19937_64 rng(17);
  for (int round = 0; round < 300; ++round) {
    CountedMedian counted;
    RunningMedian heaps;
    std::vector<int32_t> all;
    EXPECT_FALSE(counted.Lower());
    EXPECT_FALSE(counted.Interpolated());
    const int n = 1 + static_cast<int>(rng() % 200);
    const uint64_t range = round % 3 == 0 ? 3 : round % 3 == 1 ? 40 : UINT32_MAX;
    std::vector<int32_t> values;
    for (int i = 0; i < n; ++i) values.push_back(static_cast<int32_t>(static_cast<int64_t>(rng() % range) - 1));
    if (round % 5 == 3) std::sort(values.begin(), values.end());
    if (round % 5 == 4) std::sort(values.rbegin(), values.rend());
    for (int32_t v : values) {
      counted.Add(v);
      heaps.Add(v);
      all.push_back(v);
      auto copy = all;
      const auto lower = pinterest::LowerMedian(copy);
      copy = all;
      const auto interp = pinterest::InterpolatedMedian(copy);
      ASSERT_EQ(*counted.Lower(), *lower) << round;
      ASSERT_EQ(*counted.Lower(), *heaps.Lower()) << round;
      // Bit-equal doubles, not merely close.
      ASSERT_EQ(std::bit_cast<uint64_t>(*counted.Interpolated()), std::bit_cast<uint64_t>(*interp)) << round;
      ASSERT_EQ(std::bit_cast<uint64_t>(*counted.Interpolated()), std::bit_cast<uint64_t>(*heaps.Interpolated()));
    }
    EXPECT_EQ(counted.size(), all.size());
    std::sort(all.begin(), all.end());
    EXPECT_EQ(counted.distinct(), static_cast<size_t>(std::unique(all.begin(), all.end()) - all.begin()));
  }
}

// A copy has its own cursor; a move keeps it; both go on agreeing after more inserts.
TEST(CountedMedianTest, CopiesAndMovesKeepTheCursor) {
  std::mt19937_64 rng(3);
  CountedMedian a;
  RunningMedian ref;
  for (int i = 0; i < 101; ++i) {
    const auto v = static_cast<int32_t>(rng() % 10);
    a.Add(v);
    ref.Add(v);
  }
  CountedMedian b(a);
  std::vector<CountedMedian> grown;
  for (int i = 0; i < 40; ++i) grown.push_back(a);  // reallocations move them
  CountedMedian c(std::move(b));
  for (int i = 0; i < 50; ++i) {
    const auto v = static_cast<int32_t>(rng() % 10);
    c.Add(v);
    grown.back().Add(v);
    ref.Add(v);
    ASSERT_EQ(*c.Lower(), *ref.Lower());
    ASSERT_EQ(*grown.back().Lower(), *ref.Lower());
    ASSERT_EQ(*c.Interpolated(), *ref.Interpolated());
  }
  EXPECT_EQ(a.size(), 101u);
}

}  // namespace
}  // namespace pinpipe::live
