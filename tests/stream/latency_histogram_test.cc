#include "stream/latency_histogram.h"

#include <gtest/gtest.h>

namespace pinpipe::stream {
namespace {

TEST(LatencyHistogram, BucketsByUpperBoundAndRendersCumulatively) {
  LatencyHistogram h;
  h.Observe(0.005);  // on a bound: that bucket (le is inclusive)
  h.Observe(0.03);   // -> 0.05
  h.Observe(0.03);
  h.Observe(120);    // -> +Inf
  std::string json;
  h.AppendJson(json);
  EXPECT_EQ(json,
            "{\"le\":[0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10,30,60],"
            "\"counts\":[1,0,0,2,0,0,0,0,0,0,0,0,0,1],\"sum_s\":120.065}");
  std::string prom;
  h.RenderPrometheus(prom, "x_seconds", "help");
  EXPECT_NE(prom.find("# TYPE x_seconds histogram\n"), std::string::npos);
  EXPECT_NE(prom.find("x_seconds_bucket{le=\"0.005\"} 1\n"), std::string::npos);
  EXPECT_NE(prom.find("x_seconds_bucket{le=\"0.025\"} 1\n"), std::string::npos);
  EXPECT_NE(prom.find("x_seconds_bucket{le=\"0.05\"} 3\n"), std::string::npos);
  EXPECT_NE(prom.find("x_seconds_bucket{le=\"60\"} 3\n"), std::string::npos);
  EXPECT_NE(prom.find("x_seconds_bucket{le=\"+Inf\"} 4\n"), std::string::npos);
  EXPECT_NE(prom.find("x_seconds_sum 120.065\n"), std::string::npos);
  EXPECT_NE(prom.find("x_seconds_count 4\n"), std::string::npos);
}

}  // namespace
}  // namespace pinpipe::stream
