// SinkConnector::LiveObjects, the dashboard's view of the sink: per partition the open object
// (records and bytes buffered, since when, the wall-clock rotation) and the last committed
// objects with their keys, sizes and offsets.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "sink_test_util.h"

namespace pinpipe::sink {
namespace {

using LiveObjectsTest = SinkFixture;

TEST_F(LiveObjectsTest, OpenObjectNextRotationAndLastObjects) {
  ManualClock clock(1'000'000, 10'500);
  SinkConfig cfg = Config("v", 3);
  cfg.rotate_schedule_interval_ms = 1000;
  Append("v", 0, {"1", "2", "3", "4", "5", "6", "7"});  // [0,3) and [3,6) by size; 6 stays open
  objstore::LocalObjectStore lake(Lake());
  SinkRuntime rt = Rt("state");
  rt.clock = &clock;
  auto c = Make(cfg, &lake, rt);
  EXPECT_EQ(c->LiveObjects(), nullptr);  // nothing published yet
  ASSERT_TRUE(c->RunUntilCaughtUp(false));
  auto v = c->LiveObjects();
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->updated_ms, 10'500);
  EXPECT_EQ(v->flush_size, 3);
  EXPECT_EQ(v->rotate_schedule_interval_ms, 1000);
  const auto& p = v->partitions.at({"v", 0});
  EXPECT_EQ(p.open_start, 6);
  EXPECT_EQ(p.open_records, 1);
  EXPECT_EQ(p.open_bytes, 2u);  // "7\n"
  EXPECT_EQ(p.open_since_ms, 10'500);
  EXPECT_EQ(p.rotate_at_ms, 11'000);  // the next boundary of the wall-clock rotation
  ASSERT_EQ(p.recent.size(), 2u);  // oldest first
  const auto objects = Objects(Lake());
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(p.recent[i].start, static_cast<int64_t>(3 * i));
    EXPECT_EQ(p.recent[i].end, static_cast<int64_t>(3 * i + 3));
    EXPECT_EQ(p.recent[i].records, 3);
    EXPECT_EQ(p.recent[i].committed_ms, 10'500);
    ASSERT_TRUE(objects.count(p.recent[i].key)) << p.recent[i].key;
    EXPECT_EQ(p.recent[i].bytes, objects.at(p.recent[i].key).size());
  }
  EXPECT_EQ(p.recent[1].key, "topics/v/partition=0/v+0+0000000003.json");

  // The wall clock passes the boundary: the open object is cut and committed; nothing is open.
  clock.SetWallMs(11'000);
  ASSERT_TRUE(c->RunUntilCaughtUp(false));
  v = c->LiveObjects();
  const auto& q = v->partitions.at({"v", 0});
  EXPECT_EQ(q.open_records, 0);
  EXPECT_EQ(q.open_bytes, 0u);
  EXPECT_EQ(q.open_since_ms, -1);
  EXPECT_EQ(q.rotate_at_ms, -1);
  EXPECT_EQ(q.open_start, 7);
  ASSERT_EQ(q.recent.size(), 3u);
  EXPECT_EQ(q.recent.back().key, "topics/v/partition=0/v+0+0000000006.json");
  EXPECT_EQ(q.recent.back().committed_ms, 11'000);
}

TEST_F(LiveObjectsTest, KeepsTheLastTenObjects) {
  SinkConfig cfg = Config("t", 1);  // one object per record
  std::vector<std::optional<std::string>> values;
  for (int i = 0; i < 14; ++i) values.push_back(std::to_string(i));
  Append("t", 0, values);
  objstore::LocalObjectStore lake(Lake());
  auto c = Make(cfg, &lake);
  ASSERT_TRUE(c->RunUntilCaughtUp(false));
  const auto& p = c->LiveObjects()->partitions.at({"t", 0});
  ASSERT_EQ(p.recent.size(), SinkLiveObjects::kRecent);
  EXPECT_EQ(p.recent.front().start, 4);
  EXPECT_EQ(p.recent.back().start, 13);
}

}  // namespace
}  // namespace pinpipe::sink
