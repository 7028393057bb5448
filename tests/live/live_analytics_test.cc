// LiveAnalytics against pinterest::RunAnalytics: random rows over small domains (so that joins
// fan out on duplicate inds, RANK() = 1 ties, even-count medians, nulls in every key and rows
// whose partner arrives later are common), fed in random order and random chunk sizes, compared
// after every chunk in both median modes; and 100k generated interactions fed in chunks.
#include "live/live_analytics.h"

#include <gtest/gtest.h>

#include <random>

#include "common/json_writer.h"
#include "live/running_median.h"
#include "live_test_util.h"
#include "pinterest/analytics.h"
#include "pinterest/clean.h"
#include "pinterest/generator.h"
#include "pinterest/median.h"
#include "pinterest/raw_decode.h"

namespace pinpipe::live {
namespace {

using pinterest::CleanGeoTable;
using pinterest::CleanPinTable;
using pinterest::CleanUserTable;
using pinterest::MedianMode;
using testing::Lines;
using testing::MakeRandom;
using testing::RandomTables;

// Asserts that the live answers equal RunAnalytics over the prefix tables, in both modes.
void ExpectSame(const LiveAnalytics& live, const CleanPinTable& pin, const CleanGeoTable& geo,
                const CleanUserTable& user, const std::string& where) {
  for (MedianMode mode : {MedianMode::kLower, MedianMode::kInterpolated}) {
    pinterest::AnalyticsOptions o;
    o.median = mode;
    o.parallel = false;
    const auto batch = pinterest::RunAnalytics(pin, geo, user, o);
    const auto inc = live.Results(mode);
    ASSERT_EQ(batch.size(), inc.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      ASSERT_EQ(Lines(inc[i]), Lines(batch[i]))
          << where << " table " << batch[i].name << " median " << pinterest::MedianModeName(mode);
      ASSERT_EQ(Lines(live.Result(i, mode)), Lines(batch[i])) << where << " Result(" << i << ")";
    }
  }
}

// Rows [b, e) of table k (0 pin, 1 geo, 2 user) of `all` into the live state and into `fed`,
// the batch's copy of what was fed.
void FeedRows(LiveAnalytics& live, const RandomTables& all, size_t k, size_t b, size_t e, RandomTables* fed) {
  if (k == 0) {
    live.AddPins(all.pin, b, e);
    testing::AppendPinRows(all.pin, b, e, &fed->pin);
  } else if (k == 1) {
    live.AddGeos(all.geo, b, e);
    testing::AppendGeoRows(all.geo, b, e, &fed->geo);
  } else {
    live.AddUsers(all.user, b, e);
    testing::AppendUserRows(all.user, b, e, &fed->user);
  }
}

TEST(RunningMedianTest, MatchesSortedLowerAndInterpolated) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 50; ++round) {
    RunningMedian m;
    std::vector<int32_t> all;
    EXPECT_FALSE(m.Lower());
    EXPECT_FALSE(m.Interpolated());
    const int n = 1 + static_cast<int>(rng() % 60);
    for (int i = 0; i < n; ++i) {
      const int32_t v = static_cast<int32_t>(rng() % 9) - 3;
      m.Add(v);
      all.push_back(v);
      auto copy = all;
      EXPECT_EQ(*m.Lower(), *pinterest::LowerMedian(copy)) << round << "/" << i;
      copy = all;
      EXPECT_EQ(*m.Interpolated(), *pinterest::InterpolatedMedian(copy)) << round << "/" << i;
    }
  }
}

TEST(LiveAnalyticsTest, EmptyEqualsBatch) {
  LiveAnalytics live;
  ExpectSame(live, {}, {}, {}, "empty");
}

// Rows arrive in a random interleaving of the three tables, chunk sizes 1..k; the prefix fed
// so far is compared with RunAnalytics after every chunk.
TEST(LiveAnalyticsTest, RandomInterleavingsEqualBatchAfterEveryChunk) {
  for (uint64_t seed = 1; seed <= 40 / testing::kSeedDivisor; ++seed) {
    const RandomTables all = MakeRandom(seed, 120, 90, 90, seed % 2 ? 25 : 60);
    std::mt19937_64 rng(seed * 31);
    LiveAnalytics live;
    RandomTables fed;
    size_t next[3] = {0, 0, 0};
    const size_t size[3] = {all.pin.size(), all.geo.size(), all.user.size()};
    const size_t max_chunk = 1 + seed % 9;
    while (next[0] < size[0] || next[1] < size[1] || next[2] < size[2]) {
      const size_t k = static_cast<size_t>(rng() % 3);
      if (next[k] == size[k]) continue;
      const size_t end = std::min(size[k], next[k] + 1 + static_cast<size_t>(rng() % max_chunk));
      FeedRows(live, all, k, next[k], end, &fed);
      next[k] = end;
      ExpectSame(live, fed.pin, fed.geo, fed.user,
                 "seed " + std::to_string(seed) + " at " + std::to_string(next[0]) + "/" +
                     std::to_string(next[1]) + "/" + std::to_string(next[2]));
      if (::testing::Test::HasFatalFailure()) return;
    }
    EXPECT_EQ(live.counts().pins, all.pin.size());
  }
}

// Geo and user rows whose pins come much later (and the reverse): nothing is lost un-joined.
TEST(LiveAnalyticsTest, PartnersArrivingLaterJoin) {
  const RandomTables all = MakeRandom(99, 200, 200, 200, 40);
  LiveAnalytics a, b;
  a.AddGeos(all.geo);
  a.AddUsers(all.user);
  a.AddPins(all.pin);
  b.AddPins(all.pin);
  b.AddUsers(all.user);
  b.AddGeos(all.geo);
  ExpectSame(a, all.pin, all.geo, all.user, "sides first");
  ExpectSame(b, all.pin, all.geo, all.user, "pins first");
  EXPECT_EQ(a.counts().pin_geo_pairs, b.counts().pin_geo_pairs);
  EXPECT_GT(a.counts().pin_geo_pairs, all.pin.size());  // duplicate inds multiply
}

// The emulator's records for generated rows, as the batch and the stream decode them.
std::string PinLine(const pinterest::GeneratedPin& p) {
  std::string o = "{\"index\":";
  AppendJsonInt(o, p.index);
  o += ",\"unique_id\":";
  AppendJsonString(o, p.unique_id);
  o += ",\"poster_name\":";
  AppendJsonString(o, p.poster_name);
  o += ",\"follower_count\":";
  AppendJsonString(o, p.follower_count);
  o += ",\"save_location\":";
  AppendJsonString(o, p.save_location);
  o += ",\"category\":";
  AppendJsonString(o, p.category);
  return o + "}\n";
}
std::string GeoLine(const pinterest::GeneratedGeo& g) {
  std::string o = "{\"ind\":";
  AppendJsonInt(o, g.ind);
  o += ",\"timestamp\":";
  AppendJsonString(o, g.timestamp);
  o += ",\"latitude\":";
  AppendJsonDouble(o, g.latitude);
  o += ",\"longitude\":";
  AppendJsonDouble(o, g.longitude);
  o += ",\"country\":";
  AppendJsonString(o, g.country);
  return o + "}\n";
}
std::string UserLine(const pinterest::GeneratedUser& u) {
  std::string o = "{\"ind\":";
  AppendJsonInt(o, u.ind);
  o += ",\"first_name\":";
  AppendJsonString(o, u.first_name);
  o += ",\"last_name\":";
  AppendJsonString(o, u.last_name);
  o += ",\"age\":";
  AppendJsonInt(o, u.age);
  o += ",\"date_joined\":";
  AppendJsonString(o, u.date_joined);
  return o + "}\n";
}

// 100k generated interactions (a fifth re-post a recent row, as raw_gen does), cleaned as the
// batch cleans them, fed in chunks with geo and user lagging behind pin; compared at several
// points and at the end.
struct Lag {
  size_t chunk = 0;
  size_t geo_lag = 0, user_lag = 0;  // chunks behind the pins
  size_t check_every = 1;            // compare with the batch every this many chunks
};

// Feeds the three tables chunk by chunk, geo and user `lag` chunks behind the pins (the rest
// at once once the pins are in), comparing the live answers with the batch over what was fed
// every `check_every` chunks and at the end.
void FeedLagged(LiveAnalytics& live, const CleanPinTable& pin, const CleanGeoTable& geo,
                const CleanUserTable& user, const Lag& lag) {
  RandomTables fed;
  size_t p = 0, g = 0, u = 0, step = 0;
  while (p < pin.size() || g < geo.size() || u < user.size()) {
    const size_t pe = std::min(pin.size(), p + lag.chunk);
    live.AddPins(pin, p, pe);
    testing::AppendPinRows(pin, p, pe, &fed.pin);
    p = pe;
    if (step >= lag.geo_lag) {
      const size_t ge = std::min(geo.size(), g + (p >= pin.size() ? geo.size() : lag.chunk));
      live.AddGeos(geo, g, ge);
      testing::AppendGeoRows(geo, g, ge, &fed.geo);
      g = ge;
    }
    if (step >= lag.user_lag) {
      const size_t ue = std::min(user.size(), u + (p >= pin.size() ? user.size() : lag.chunk));
      live.AddUsers(user, u, ue);
      testing::AppendUserRows(user, u, ue, &fed.user);
      u = ue;
    }
    if (step % lag.check_every == lag.check_every - 1) {
      ExpectSame(live, fed.pin, fed.geo, fed.user, "step " + std::to_string(step));
    }
    if (::testing::Test::HasFatalFailure()) return;
    ++step;
  }
  ExpectSame(live, pin, geo, user, "end");
}

struct GeneratedSpec {
  int64_t interactions = 0;
  uint64_t seed = 0;
  int repost_one_in = 0;  // every n-th interaction re-posts one of the `recent` ones (a duplicate)
  size_t recent = 0;
};
struct Generated {
  CleanPinTable pin;
  CleanGeoTable geo;
  CleanUserTable user;
};

// Generated interactions as the emulator would post them (with re-posts), decoded and cleaned
// by the batch's code.
Generated CleanGenerated(const GeneratedSpec& spec) {
  pinterest::DatasetGenerator gen({.seed = spec.seed, .rows = spec.interactions});
  pinterest::GeneratedRow row;
  std::string pins, geos, users;
  std::vector<std::array<std::string, 3>> recent;
  std::mt19937_64 rng(spec.seed);
  for (int64_t i = 0; i < spec.interactions; ++i) {
    if (!recent.empty() && rng() % static_cast<uint64_t>(spec.repost_one_in) == 0) {
      const auto& r = recent[rng() % recent.size()];
      pins += r[0], geos += r[1], users += r[2];
      continue;
    }
    gen.Next(&row);
    std::array<std::string, 3> lines{PinLine(row.pin), GeoLine(row.geo), UserLine(row.user)};
    pins += lines[0], geos += lines[1], users += lines[2];
    if (recent.size() < spec.recent) recent.push_back(std::move(lines));
    else recent[static_cast<size_t>(rng() % spec.recent)] = std::move(lines);
  }
  pinterest::RawTables raw;
  pinterest::RawDecoder d;
  d.Decode(pinterest::RawKind::kPin, pins, &raw);
  d.Decode(pinterest::RawKind::kGeo, geos, &raw);
  d.Decode(pinterest::RawKind::kUser, users, &raw);
  EXPECT_EQ(raw.quarantine.size(), 0u);
  return {pinterest::CleanPins(std::move(raw.pin)), pinterest::CleanGeos(std::move(raw.geo)),
          pinterest::CleanUsers(std::move(raw.user))};
}

TEST(LiveAnalyticsTest, HundredThousandGeneratedInteractionsInChunks) {
  const Generated g = CleanGenerated({.interactions = 100'000, .seed = 11, .repost_one_in = 5, .recent = 1024});
  if (::testing::Test::HasFatalFailure()) return;
  const CleanPinTable& pin = g.pin;
  const CleanGeoTable& geo = g.geo;
  const CleanUserTable& user = g.user;
  ASSERT_GT(pin.size(), 70'000u);
  ASSERT_LT(pin.size(), 95'000u);  // the duplicates were dropped

  LiveAnalytics live;
  // geo lags one chunk, user two: their pins arrived first.
  FeedLagged(live, pin, geo, user, {.chunk = 7'919, .geo_lag = 1, .user_lag = 2, .check_every = 3});
  if (::testing::Test::HasFatalFailure()) return;
  EXPECT_EQ(live.counts().pin_geo_pairs, pin.size());  // generated inds are unique per row
}

// The join rows on disk behind a cache of two pages (every page goes out and comes back, and
// the table splits): still equal to the batch after every chunk, partners on either side,
// duplicates multiplying.
TEST(LiveAnalyticsTest, TwoPageCacheEqualsBatchAfterEveryChunk) {
  for (uint64_t seed = 1; seed <= 12 / testing::kSeedDivisor; ++seed) {
    const RandomTables all = MakeRandom(seed, 1200, 900, 900, seed % 2 ? 25 : 600);  // > 2040 rows: splits
    std::mt19937_64 rng(seed * 17);
    LiveAnalytics live({.dir = ::testing::TempDir(), .cache_bytes = 2 * JoinStore::kPageBytes});
    RandomTables fed;
    size_t next[3] = {0, 0, 0};
    const size_t size[3] = {all.pin.size(), all.geo.size(), all.user.size()};
    while (next[0] < size[0] || next[1] < size[1] || next[2] < size[2]) {
      const size_t k = static_cast<size_t>(rng() % 3);
      if (next[k] == size[k]) continue;
      const size_t end = std::min(size[k], next[k] + 1 + static_cast<size_t>(rng() % 40));
      FeedRows(live, all, k, next[k], end, &fed);
      next[k] = end;
      ExpectSame(live, fed.pin, fed.geo, fed.user, "seed " + std::to_string(seed));
      if (::testing::Test::HasFatalFailure()) return;
    }
    ASSERT_TRUE(live.status());
    EXPECT_EQ(live.join_store().entries(), size[0] + size[1] + size[2]);
  }
}

// 200k generated interactions through a 64 KiB join cache (16 pages, the rows' pages ~100x
// that): geo and user trail the pins by up to 30k rows, so most partners are read back from
// disk; compared at several points and at the end.
TEST(LiveAnalyticsTest, GeneratedInteractionsThroughSmallJoinCache) {
  const Generated g = CleanGenerated({.interactions = 200'000, .seed = 23, .repost_one_in = 10, .recent = 256});
  if (::testing::Test::HasFatalFailure()) return;
  const CleanPinTable& pin = g.pin;
  const CleanGeoTable& geo = g.geo;
  const CleanUserTable& user = g.user;

  LiveAnalytics live({.dir = ::testing::TempDir(), .cache_bytes = 16 * JoinStore::kPageBytes});
  // user trails by one chunk, geo by three: their pins are on disk by then.
  FeedLagged(live, pin, geo, user, {.chunk = 10'007, .geo_lag = 3, .user_lag = 1, .check_every = 5});
  if (::testing::Test::HasFatalFailure()) return;
  ASSERT_TRUE(live.status());
  EXPECT_GT(live.join_store().disk_bytes(), 50 * live.join_store().cache_bytes());
  EXPECT_GT(live.join_store().reads(), 1000u);  // partners came back from disk
}

}  // namespace
}  // namespace pinpipe::live
