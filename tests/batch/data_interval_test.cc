// dag.data_selection=interval: the logical date's day in the sink's zone, the time buckets
// (encoded partitions) inside it, and the manifest order of time-based keys.
#include "batch/data_interval.h"

#include <gtest/gtest.h>

#include "batch/manifest.h"
#include "sink/timestamp_extractor.h"

namespace pinpipe::batch {
namespace {

int64_t Ms(std::string_view iso) { return *sink::ParseIsoMillis(iso); }

TEST(DataInterval, TheLogicalDatesDayInTheZone) {
  auto utc = DayInterval("2026-11-01", sink::TimeZone::Utc());
  ASSERT_TRUE(utc);
  EXPECT_EQ(utc->start_ms, Ms("2026-11-01T00:00:00Z"));
  EXPECT_EQ(utc->end_ms, Ms("2026-11-02T00:00:00Z"));
  EXPECT_TRUE(utc->Contains(Ms("2026-11-01T23:59:59.999Z")));
  EXPECT_FALSE(utc->Contains(Ms("2026-11-02T00:00:00Z")));
  auto ny = sink::TimeZone::Load("America/New_York");
  ASSERT_TRUE(ny);
  // The day clocks go forward is 23 hours long.
  auto dst = DayInterval("2026-03-08", *ny);
  ASSERT_TRUE(dst);
  EXPECT_EQ(dst->start_ms, Ms("2026-03-08T05:00:00Z"));
  EXPECT_EQ(dst->end_ms, Ms("2026-03-09T04:00:00Z"));
  EXPECT_FALSE(DayInterval("2026-11-1", *ny));
  EXPECT_FALSE(DayInterval("yesterday!", *ny));
}

TEST(DataInterval, BucketsInsideTheDay) {
  auto daily = sink::TimeBasedPartitioner::Make(sink::kDailyPathFormat, 86'400'000, "en", "UTC");
  ASSERT_TRUE(daily);
  auto iv = DayInterval("2026-11-01", daily->zone());
  auto d = EncodedPartitionsOf(*daily, *iv);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, std::vector<std::string>{"year=2026/month=11/day=01"});

  auto hourly = sink::TimeBasedPartitioner::Make(sink::kHourlyPathFormat, 3'600'000, "en",
                                                 "America/New_York");
  ASSERT_TRUE(hourly);
  auto h = EncodedPartitionsOf(*hourly, *DayInterval("2026-11-01", hourly->zone()));  // 25 hours
  ASSERT_TRUE(h);
  ASSERT_EQ(h->size(), 24u);  // hour=01 twice: one encoded partition holds both
  EXPECT_EQ(h->front(), "year=2026/month=11/day=01/hour=00");
  EXPECT_EQ(h->back(), "year=2026/month=11/day=01/hour=23");
  auto spring = EncodedPartitionsOf(*hourly, *DayInterval("2026-03-08", hourly->zone()));
  ASSERT_TRUE(spring);
  EXPECT_EQ(spring->size(), 23u);  // no hour=02

  auto five = sink::TimeBasedPartitioner::Make("YYYY-MM-dd-HH", 5 * 3'600'000, "en", "UTC");
  ASSERT_TRUE(five);
  auto refused = EncodedPartitionsOf(*five, *DayInterval("2026-11-01", five->zone()));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("must divide 86400000"), std::string::npos);
}

TEST(DataInterval, TimeBasedKeysSortByKafkaPartitionThenOffset) {
  std::vector<ManifestObject> objs = {
      {"topics/t/year=2026/month=11/day=01/hour=01/t+1+0000000000.json", 1, 0, ""},
      {"topics/t/year=2026/month=11/day=01/hour=01/t+0+0000000007.json", 1, 0, ""},
      {"topics/t/year=2026/month=11/day=01/hour=00/t+0+0000000003.json", 1, 0, ""},
      {"topics/t/year=2026/month=11/day=01/hour=02/t+0+0000000000.json", 1, 0, ""},
  };
  SortObjects(objs);
  EXPECT_EQ(objs[0].key, "topics/t/year=2026/month=11/day=01/hour=02/t+0+0000000000.json");
  EXPECT_EQ(objs[1].key, "topics/t/year=2026/month=11/day=01/hour=00/t+0+0000000003.json");
  EXPECT_EQ(objs[2].key, "topics/t/year=2026/month=11/day=01/hour=01/t+0+0000000007.json");
  EXPECT_EQ(objs[3].key, "topics/t/year=2026/month=11/day=01/hour=01/t+1+0000000000.json");
}

}  // namespace
}  // namespace pinpipe::batch
