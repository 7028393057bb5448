#include "kafka/kafka_metrics.h"

#include <gtest/gtest.h>

#include <string>

#include "kafka/api_versions.h"

namespace pinpipe::kafka {
namespace {

TEST(KafkaMetricsTest, CountsPerApiAndRendersLabelledHistograms) {
  KafkaMetrics m;
  m.Observe(kProduce, 2'000'000, false);   // 2 ms
  m.Observe(kProduce, 40'000'000, true);   // 40 ms, answered by a close
  m.Observe(kMetadata, 50'000, false);     // 50 µs
  m.Observe(-1, 1, false);                 // out of range: ignored
  m.Observe(KafkaMetrics::kMaxApiKey, 1, false);
  m.ProduceError(10);
  m.ProduceError(10);
  m.ProduceError(9999);  // shares the last slot
  m.produced_records.store(7);
  m.connections_open.store(2);
  EXPECT_EQ(m.TotalRequests(), 3u);
  EXPECT_EQ(m.api(kProduce).latency.count(), 2u);

  std::string out;
  m.RenderPrometheus(out);
  auto has = [&](const std::string& line) { return out.find(line + "\n") != std::string::npos; };
  EXPECT_TRUE(has("pinpipe_kafka_requests_total{api=\"Produce\"} 2")) << out;
  EXPECT_TRUE(has("pinpipe_kafka_requests_total{api=\"Metadata\"} 1"));
  EXPECT_TRUE(has("pinpipe_kafka_requests_total{api=\"Fetch\"} 0"));  // every advertised API
  EXPECT_TRUE(has("pinpipe_kafka_request_errors_total{api=\"Produce\"} 1"));
  EXPECT_TRUE(has("pinpipe_kafka_request_seconds_bucket{api=\"Produce\",le=\"0.001\"} 0"));
  EXPECT_TRUE(has("pinpipe_kafka_request_seconds_bucket{api=\"Produce\",le=\"0.0025\"} 1"));
  EXPECT_TRUE(has("pinpipe_kafka_request_seconds_bucket{api=\"Produce\",le=\"0.05\"} 2"));
  EXPECT_TRUE(has("pinpipe_kafka_request_seconds_bucket{api=\"Produce\",le=\"+Inf\"} 2"));
  EXPECT_TRUE(has("pinpipe_kafka_request_seconds_sum{api=\"Produce\"} 0.042000000"));
  EXPECT_TRUE(has("pinpipe_kafka_request_seconds_count{api=\"Produce\"} 2"));
  EXPECT_TRUE(has("pinpipe_kafka_request_seconds_count{api=\"Metadata\"} 1"));
  EXPECT_TRUE(has("pinpipe_kafka_produce_errors_total{code=\"10\"} 2"));
  EXPECT_TRUE(has("pinpipe_kafka_produce_errors_total{code=\"127\"} 1"));
  EXPECT_TRUE(has("pinpipe_kafka_produced_records_total 7"));
  EXPECT_TRUE(has("pinpipe_kafka_connections 2"));
  EXPECT_TRUE(has("# TYPE pinpipe_kafka_request_seconds histogram"));
}

TEST(KafkaMetricsTest, CountsVersionsSeenOnly) {
  KafkaMetrics m;
  m.CountVersion(kFetch, 17);
  m.CountVersion(kFetch, 17);
  m.CountVersion(kFetch, 4);
  m.CountVersion(kFetch, KafkaMetrics::kMaxVersion);  // out of range: ignored
  m.CountVersion(-1, 0);
  EXPECT_EQ(m.version_requests(kFetch, 17), 2u);
  std::string out;
  m.RenderPrometheus(out);
  auto has = [&](const std::string& line) { return out.find(line + "\n") != std::string::npos; };
  EXPECT_TRUE(has("pinpipe_kafka_requests_by_version_total{api=\"Fetch\",version=\"17\"} 2")) << out;
  EXPECT_TRUE(has("pinpipe_kafka_requests_by_version_total{api=\"Fetch\",version=\"4\"} 1"));
  EXPECT_EQ(out.find("version=\"12\""), std::string::npos);  // never seen: not rendered
}

TEST(KafkaMetricsTest, UnlabelledHistogramsKeepTheirFormat) {
  log::LatencyHistogram h;
  h.Record(300'000);  // 0.3 ms
  std::string out;
  h.Render(out, "x_seconds");
  EXPECT_NE(out.find("x_seconds_bucket{le=\"0.00025\"} 0\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x_seconds_bucket{le=\"0.0005\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_sum 0.000300000\nx_seconds_count 1\n"), std::string::npos);
}

}  // namespace
}  // namespace pinpipe::kafka
