// The time-based layout: encoded partitions and object keys compared with Confluent's documented
// examples (reference/protocols.md §4.1: Hourly/Daily formats, the orders example, YYYY at the
// year's end), time zones, the Joda pattern subset, validation, the timestamp extractors, and
// the sink writing it end to end.
#include <gtest/gtest.h>

#include "sink/object_name.h"
#include "sink/time_partitioner.h"
#include "sink/timestamp_extractor.h"
#include "sink_test_util.h"

namespace pinpipe::sink {
namespace {

int64_t Ms(std::string_view iso) {
  auto v = ParseIsoMillis(iso);
  EXPECT_TRUE(v) << iso;
  return v.value_or(0);
}

TimeBasedPartitioner Make(std::string_view fmt, int64_t dur, std::string_view tz = "UTC",
                          std::string_view locale = "en-US") {
  auto p = TimeBasedPartitioner::Make(fmt, dur, locale, tz);
  EXPECT_TRUE(p) << p.error().ToString();
  return p ? std::move(*p) : *TimeBasedPartitioner::Make("YYYY", 1, "en", "UTC");
}

TEST(TimeBasedPartitioner, ConfluentsHourlyExampleKey) {
  // "topics/orders/year=2024/month=01/day=15/hour=13/orders+3+0000001200.json"
  auto p = Make(kHourlyPathFormat, 3'600'000);
  const int64_t bucket = p.BucketStart(Ms("2024-01-15T13:47:12.345Z"));
  EXPECT_EQ(bucket, Ms("2024-01-15T13:00:00Z"));
  std::string key;
  TimeBasedObjectKey("topics", "orders", p.Encoded(bucket), 3, 1200, 10, ".json", key);
  EXPECT_EQ(key, "topics/orders/year=2024/month=01/day=15/hour=13/orders+3+0000001200.json");
}

TEST(TimeBasedPartitioner, DailyFormatAndBuckets) {
  auto p = Make(kDailyPathFormat, 86'400'000);
  EXPECT_EQ(p.Encoded(p.BucketStart(Ms("2024-02-29T23:59:59.999Z"))), "year=2024/month=02/day=29");
  EXPECT_EQ(p.Encoded(p.BucketStart(Ms("2024-03-01T00:00:00Z"))), "year=2024/month=03/day=01");
  EXPECT_EQ(p.BucketStart(Ms("2024-03-01T17:00:00Z")), Ms("2024-03-01T00:00:00Z"));
}

TEST(TimeBasedPartitioner, YearOfEraIsNotTheWeekYear) {
  // 2024-12-30 is in ISO week 1 of 2025: YYYY (year of era) stays 2024, xxxx is the week-year.
  auto p = Make("YYYY/xxxx/ww/e/DDD", 86'400'000);
  EXPECT_EQ(p.Encoded(p.BucketStart(Ms("2024-12-30T12:00:00Z"))), "2024/2025/01/1/365");
}

TEST(TimeBasedPartitioner, TimeZonesShiftTheBucketAndItsName) {
  // 03:00 UTC on the 15th is 22:00 on the 14th in New York (EST, -05:00): day=14, and the bucket
  // starts at local midnight, 05:00 UTC.
  auto ny = Make(kDailyPathFormat, 86'400'000, "America/New_York");
  const int64_t b = ny.BucketStart(Ms("2024-01-15T03:00:00Z"));
  EXPECT_EQ(b, Ms("2024-01-14T05:00:00Z"));
  EXPECT_EQ(ny.Encoded(b), "year=2024/month=01/day=14");
  // Summer time (EDT, -04:00).
  EXPECT_EQ(ny.BucketStart(Ms("2024-07-01T12:00:00Z")), Ms("2024-07-01T04:00:00Z"));
  // A half-hour zone: hours start at :30 UTC.
  auto kolkata = Make("YYYY-MM-dd-HH", 3'600'000, "Asia/Kolkata");
  const int64_t h = kolkata.BucketStart(Ms("2024-01-15T13:20:00Z"));  // 18:50 local
  EXPECT_EQ(h, Ms("2024-01-15T12:30:00Z"));
  EXPECT_EQ(kolkata.Encoded(h), "2024-01-15-18");
  // A fixed offset, and the offset fields.
  auto fixed = Make("HH:mm Z ZZ", 60'000, "-08:00");
  EXPECT_EQ(fixed.Encoded(fixed.BucketStart(Ms("2024-01-15T13:20:10Z"))), "05:20 -0800 -08:00");
  EXPECT_EQ(Make("Z", 1000).Encoded(0), "Z");
}

TEST(TimeBasedPartitioner, JodaLiteralsTextAndClockFields) {
  auto p = Make("'dt'=yyyy-MM-dd/'it''s'/EEE/EEEE/MMM/MMMM/a/hh/KK/kk/G/yy/SSS", 1);
  EXPECT_EQ(p.Encoded(Ms("2024-01-15T00:05:06.789Z")),
            "dt=2024-01-15/it's/Mon/Monday/Jan/January/AM/12/00/24/AD/24/789");
  // A trailing delimiter is stripped, as Confluent does.
  EXPECT_EQ(Make("YYYY/MM/", 86'400'000).Encoded(Ms("2024-05-01T00:00:00Z")), "2024/05");
}

TEST(TimeBasedPartitioner, InvalidSettingsAreRefusedNamingTheSetting) {
  auto err = [](std::string_view fmt, int64_t dur, std::string_view locale, std::string_view tz) {
    auto p = TimeBasedPartitioner::Make(fmt, dur, locale, tz);
    return p ? std::string() : p.error().message();
  };
  // Unquoted text: 'r' is not a Joda pattern letter.
  EXPECT_NE(err("year=YYYY", 1000, "en", "UTC").find("pattern letter 'r'"), std::string::npos);
  EXPECT_NE(err("'year=YYYY", 1000, "en", "UTC").find("unterminated quote"), std::string::npos);
  EXPECT_NE(err("", 1000, "en", "UTC").find("path.format"), std::string::npos);
  EXPECT_NE(err("YYYY", -1, "en", "UTC").find("partition.duration.ms"), std::string::npos);
  EXPECT_NE(err("YYYY", 0, "en", "UTC").find("partition.duration.ms"), std::string::npos);
  EXPECT_NE(err("YYYY", 1000, "", "UTC").find("locale"), std::string::npos);
  EXPECT_NE(err("YYYY", 1000, "en", "").find("timezone"), std::string::npos);
  EXPECT_NE(err("YYYY", 1000, "en", "Mars/Olympus_Mons").find("unknown zone"), std::string::npos);
  EXPECT_NE(err("YYYY", 1000, "en", "../../etc/passwd").find("timezone"), std::string::npos);
  EXPECT_NE(err("MMM", 1000, "fr-FR", "UTC").find("English"), std::string::npos);
  EXPECT_EQ(err("YYYY/MM", 1000, "fr-FR", "UTC"), "");  // numbers are the same in every locale
}

TEST(TimestampExtractor, IsoAndMillisStrings) {
  EXPECT_EQ(ParseIsoMillis("1970-01-01"), 0);
  EXPECT_EQ(ParseIsoMillis("1970-01-02T00:00:01.5Z"), 86'401'500);
  EXPECT_EQ(ParseIsoMillis("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(ParseIsoMillis("2022-01-01 02:26:50"), Ms("2022-01-01T02:26:50Z"));
  EXPECT_FALSE(ParseIsoMillis("2022-13-01"));
  EXPECT_FALSE(ParseIsoMillis("2022-01-01T25:00"));
  EXPECT_FALSE(ParseIsoMillis("yesterday"));

  TimestampExtractor f(TimestampSource::kRecordField, "meta.ts");
  log::RecordView rec;
  std::string why;
  std::string v1 = R"({"meta":{"ts":1700000000123}})";
  rec.value = v1;
  EXPECT_EQ(f.Extract(rec, 0, &why), 1700000000123);
  std::string v2 = R"({"meta":{"ts":"1700000000123"}})";
  rec.value = v2;
  EXPECT_EQ(f.Extract(rec, 0, &why), 1700000000123);
  std::string v3 = R"({"meta":{"ts":"2023-11-14T22:13:20.123Z"}})";
  rec.value = v3;
  EXPECT_EQ(f.Extract(rec, 0, &why), 1700000000123);
  std::string v4 = R"({"meta":{}})";
  rec.value = v4;
  EXPECT_FALSE(f.Extract(rec, 0, &why));
  EXPECT_NE(why.find("no field meta.ts"), std::string::npos);
  rec.timestamp_ms = 42;
  TimestampExtractor r(TimestampSource::kRecord, "");
  EXPECT_EQ(r.Extract(rec, 7, &why), 42);
  TimestampExtractor w(TimestampSource::kWallclock, "");
  EXPECT_EQ(w.Extract(rec, 7, &why), 7);
}

using TimeBasedSinkTest = SinkFixture;

TEST_F(TimeBasedSinkTest, RecordTimeBucketsGiveConfluentsKeysAndCutAtEachNewBucket) {
  const int64_t d1 = Ms("2026-11-01T10:00:00Z"), d2 = Ms("2026-11-02T23:59:00Z");
  Append("pinterest.pin", 0, {"{\"i\":0}", "{\"i\":1}"}, d1);
  Append("pinterest.pin", 0, {"{\"i\":2}"}, d2);
  Append("pinterest.pin", 0, {"{\"i\":3}"}, d1);  // late: back to day 1, a new object
  objstore::LocalObjectStore lake(Lake());
  SinkConfig cfg = Config("pinterest.pin", 1000);
  ASSERT_TRUE(cfg.Set("partitioner.class", "io.confluent.connect.storage.partitioner.DailyPartitioner"));
  ASSERT_TRUE(cfg.Set("timestamp.extractor", "Record"));
  ASSERT_TRUE(cfg.Set("locale", "en-US"));
  ASSERT_TRUE(cfg.Set("timezone", "UTC"));
  auto c = Make(cfg, &lake);
  ASSERT_TRUE(c->RunUntilCaughtUp(true));
  auto objs = Objects(Lake());
  std::map<std::string, std::string> want = {
      {"topics/pinterest.pin/year=2026/month=11/day=01/pinterest.pin+0+0000000000.json",
       "{\"i\":0}\n{\"i\":1}\n"},
      {"topics/pinterest.pin/year=2026/month=11/day=02/pinterest.pin+0+0000000002.json", "{\"i\":2}\n"},
      {"topics/pinterest.pin/year=2026/month=11/day=01/pinterest.pin+0+0000000003.json", "{\"i\":3}\n"},
  };
  for (const auto& [k, v] : want) EXPECT_EQ(objs[k], v) << k;
  size_t data_objects = 0;
  for (const auto& [k, v] : objs) data_objects += k.starts_with("topics/");
  EXPECT_EQ(data_objects, want.size());
}

TEST_F(TimeBasedSinkTest, RecordFieldTimesAndUnreadableTimesGoToTheDeadLetterTopic) {
  Append("t", 0, {R"({"ind":1,"timestamp":"2022-01-01 02:26:50"})", R"({"ind":2,"timestamp":"2022-01-01 23:00:00"})",
                  R"({"ind":3})", R"({"ind":4,"timestamp":"2022-01-03T00:00:00Z"})"});
  objstore::LocalObjectStore lake(Lake());
  SinkConfig cfg = Config("t", 1000);
  ASSERT_TRUE(cfg.Set("partitioner.class", "time_based"));
  ASSERT_TRUE(cfg.Set("path.format", "'dt'=YYYY-MM-dd/"));
  ASSERT_TRUE(cfg.Set("partition.duration.ms", "86400000"));
  ASSERT_TRUE(cfg.Set("timestamp.extractor", "RecordField"));
  ASSERT_TRUE(cfg.Set("timestamp.field", "timestamp"));
  ASSERT_TRUE(cfg.Set("locale", "en"));
  ASSERT_TRUE(cfg.Set("timezone", "UTC"));
  ASSERT_TRUE(cfg.Set("errors.tolerance", "all"));
  ASSERT_TRUE(cfg.Set("errors.deadletterqueue.topic.name", "dlq"));
  auto c = Make(cfg, &lake);
  ASSERT_TRUE(c->RunUntilCaughtUp(true));
  auto objs = Objects(Lake());
  EXPECT_EQ(objs["topics/t/dt=2022-01-01/t+0+0000000000.json"],
            "{\"ind\":1,\"timestamp\":\"2022-01-01 02:26:50\"}\n{\"ind\":2,\"timestamp\":\"2022-01-01 23:00:00\"}\n");
  EXPECT_EQ(objs["topics/t/dt=2022-01-03/t+0+0000000003.json"],
            "{\"ind\":4,\"timestamp\":\"2022-01-03T00:00:00Z\"}\n");
  std::string buf;
  auto dlq = log_->Read("dlq", 0, 0, 1 << 20, buf);
  ASSERT_TRUE(dlq);
  EXPECT_NE(buf.find("PartitionException"), std::string::npos);
}

TEST_F(TimeBasedSinkTest, ConfigKeysReachTheSink) {
  pinpipe::Config cfg;
  ASSERT_TRUE(cfg.Set("sink.partitioner_class", "daily", "test"));
  auto sc = SinkConfigFromConfig(cfg);
  ASSERT_TRUE(sc) << sc.error().ToString();
  ASSERT_NE(sc->time_based(), nullptr);  // pinpipe's defaults: Record time, en-US, UTC
  EXPECT_EQ(sc->timestamp_source, TimestampSource::kRecord);
  EXPECT_EQ(sc->time_based()->Encoded(Ms("2026-11-02T05:00:00Z")), "year=2026/month=11/day=02");
  pinpipe::Config bad;
  ASSERT_TRUE(bad.Set("sink.partitioner_class", "time_based", "test"));
  auto refused = SinkConfigFromConfig(bad);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("path.format"), std::string::npos);
  pinpipe::Config wrong;
  EXPECT_FALSE(wrong.Set("sink.partitioner_class", "weekly", "test"));
  EXPECT_FALSE(wrong.Set("sink.timestamp_extractor", "Now", "test"));
}

}  // namespace
}  // namespace pinpipe::sink
