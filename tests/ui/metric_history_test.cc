#include "ui/metric_history.h"

#include <gtest/gtest.h>

#include <cmath>

namespace pinpipe::ui {
namespace {

TEST(MetricRing, KeepsTheLastCapacityPointsOldestFirst) {
  MetricRing r(4, 1);
  for (int t = 100; t < 110; ++t) r.Push(t, static_cast<float>(t));
  ASSERT_EQ(r.size(), 4u);
  auto pts = r.Since(0);
  ASSERT_EQ(pts.size(), 4u);
  EXPECT_EQ(pts.front().first, 106);
  EXPECT_EQ(pts.front().second, 106.0f);
  EXPECT_EQ(pts.back().first, 109);
  EXPECT_EQ(r.Last(), 109.0f);
}

TEST(MetricRing, FillsGapsWithNaNAndIgnoresTimeGoingBack) {
  MetricRing r(10, 1);
  r.Push(10, 1);
  r.Push(13, 4);  // 11 and 12 missing
  r.Push(12, 99);  // the clock went back: ignored
  auto pts = r.Since(0);
  ASSERT_EQ(pts.size(), 4u);
  EXPECT_EQ(pts[0].second, 1.0f);
  EXPECT_TRUE(std::isnan(pts[1].second));
  EXPECT_TRUE(std::isnan(pts[2].second));
  EXPECT_EQ(pts[3].first, 13);
  EXPECT_EQ(pts[3].second, 4.0f);
}

TEST(MetricRing, HugeGapIsBoundedByCapacity) {
  MetricRing r(5, 1);
  r.Push(1, 1);
  r.Push(1'000'000'000, 2);
  EXPECT_EQ(r.size(), 5u);
  EXPECT_EQ(r.Last(), 2.0f);
}

TEST(MetricRing, SinceSelectsTheWindow) {
  MetricRing r(100, 60);
  for (int m = 0; m < 10; ++m) r.Push(6000 + m * 60, static_cast<float>(m));
  auto pts = r.Since(6000 + 7 * 60);
  ASSERT_EQ(pts.size(), 3u);
  EXPECT_EQ(pts[0].second, 7.0f);
}

TEST(MetricHistory, CoarseRingHoldsMinuteMeans) {
  MetricHistory h;
  // Two full minutes at 1 s: values 0..59 then 100 constant, then one sample to close it.
  for (int s = 0; s < 60; ++s) h.Record("x", 600 + s, s);
  for (int s = 0; s < 60; ++s) h.Record("x", 660 + s, 100);
  h.Record("x", 720, 0);
  // A window above an hour reads the 1 min ring.
  auto coarse = h.Query("x", 7200, 720);
  EXPECT_EQ(coarse.step, 60);
  ASSERT_EQ(coarse.points.size(), 2u);
  EXPECT_EQ(coarse.points[0].first, 600);
  EXPECT_FLOAT_EQ(coarse.points[0].second, 29.5f);
  EXPECT_FLOAT_EQ(coarse.points[1].second, 100.0f);
  auto fine = h.Query("x", 10, 720);
  EXPECT_EQ(fine.step, 1);
  EXPECT_EQ(fine.points.size(), 11u);  // 710..720
  EXPECT_EQ(fine.points.back().second, 0.0f);
}

TEST(MetricHistory, LatestFiltersByPrefixAndUnknownIsEmpty) {
  MetricHistory h;
  h.Record("group.a.lag", 5, 3);
  h.Record("group.b.lag", 5, 4);
  h.Record("http.requests", 5, 9);
  auto g = h.Latest("group.");
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g["group.b.lag"], 4.0f);
  EXPECT_TRUE(h.Query("nope", 60, 5).points.empty());
  EXPECT_EQ(h.last_time(), 5);
}

}  // namespace
}  // namespace pinpipe::ui
