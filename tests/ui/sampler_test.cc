#include "ui/sampler.h"

#include <gtest/gtest.h>

#include <cmath>

namespace pinpipe::ui {
namespace {

TEST(Sampler, CountersBecomeRatesGaugesStay) {
  MetricHistory h;
  Sampler s(h);
  double total = 0;
  s.AddSource("test", [&](Sample& x) {
    x.Counter("c", total);
    x.Gauge("g", total * 2);
  });
  s.SampleOnce(100);  // first pass: no rate yet
  EXPECT_TRUE(h.Query("c", 60, 100).points.empty());
  total = 50;
  s.SampleOnce(102);  // 50 over 2 s
  auto c = h.Query("c", 60, 102);
  ASSERT_EQ(c.points.size(), 1u);
  EXPECT_FLOAT_EQ(c.points[0].second, 25.0f);
  EXPECT_FLOAT_EQ(h.Query("g", 60, 102).points.back().second, 100.0f);
  total = 10;  // reset (a restarted component): no negative rate
  s.SampleOnce(103);
  EXPECT_EQ(h.Query("c", 60, 103).points.back().first, 102);
  EXPECT_EQ(s.passes(), 3u);
}

TEST(Sampler, ACounterAppearingLaterCountsFromZero) {
  MetricHistory h;
  Sampler s(h);
  bool topic_exists = false;
  s.AddSource("test", [&](Sample& x) {
    x.Counter("all", 0);
    if (topic_exists) x.Counter("topic.new.records", 7);
  });
  s.SampleOnce(10);
  topic_exists = true;  // created between two passes with 7 records
  s.SampleOnce(11);
  auto pts = h.Query("topic.new.records", 60, 11).points;
  ASSERT_EQ(pts.size(), 1u);
  EXPECT_FLOAT_EQ(pts[0].second, 7.0f);
}

TEST(Sampler, AThrowingSourceDoesNotStopTheOthers) {
  MetricHistory h;
  Sampler s(h);
  s.AddSource("bad", [](Sample&) { throw std::runtime_error("boom"); });
  s.AddSource("good", [](Sample& x) { x.Gauge("g", 1); });
  s.SampleOnce(5);
  EXPECT_EQ(h.Query("g", 60, 5).points.size(), 1u);
}

TEST(QuantileFromBuckets, InterpolatesInsideTheBucket) {
  std::vector<double> bounds = {1, 2, 4};
  // 10 in (0,1], 10 in (1,2], none above.
  std::vector<uint64_t> counts = {10, 10, 0, 0};
  EXPECT_DOUBLE_EQ(QuantileFromBuckets(bounds, counts, 0.5), 1.0);
  EXPECT_DOUBLE_EQ(QuantileFromBuckets(bounds, counts, 0.75), 1.5);
  EXPECT_DOUBLE_EQ(QuantileFromBuckets(bounds, counts, 0.25), 0.5);
}

TEST(QuantileFromBuckets, EmptyIsNaNAndInfIsTheLastBound) {
  std::vector<double> bounds = {1, 2};
  EXPECT_TRUE(std::isnan(QuantileFromBuckets(bounds, {0, 0, 0}, 0.5)));
  EXPECT_DOUBLE_EQ(QuantileFromBuckets(bounds, {0, 0, 5}, 0.99), 2.0);
}

}  // namespace
}  // namespace pinpipe::ui
