#include "kafka/kafka_metrics.h"

#include <cstdio>

#include "kafka/api_versions.h"

namespace pinpipe::kafka {

uint64_t KafkaMetrics::TotalRequests() const {
  uint64_t n = 0;
  for (const Api& a : apis_) n += a.requests.load(std::memory_order_relaxed);
  return n;
}

void KafkaMetrics::RenderPrometheus(std::string& out) const {
  char line[320];
  auto each_api = [&](const char* name, auto value) {
    for (const ApiRange& r : SupportedApis()) {
      if (static_cast<size_t>(r.key) >= kMaxApiKey) continue;
      std::snprintf(line, sizeof line, "%s{api=\"%s\"} %llu\n", name, ApiName(r.key),
                    static_cast<unsigned long long>(value(apis_[static_cast<size_t>(r.key)])));
      out += line;
    }
  };
  out += "# HELP pinpipe_kafka_requests_total Kafka protocol requests answered, by API.\n"
         "# TYPE pinpipe_kafka_requests_total counter\n";
  each_api("pinpipe_kafka_requests_total", [](const Api& a) { return a.requests.load(std::memory_order_relaxed); });
  out += "# HELP pinpipe_kafka_requests_by_version_total Kafka protocol requests answered, by API and version (versions seen only).\n"
         "# TYPE pinpipe_kafka_requests_by_version_total counter\n";
  for (const ApiRange& r : SupportedApis()) {
    if (static_cast<size_t>(r.key) >= kMaxApiKey) continue;
    for (size_t v = 0; v < kMaxVersion; ++v) {
      uint64_t n = versions_[static_cast<size_t>(r.key)][v].load(std::memory_order_relaxed);
      if (n == 0) continue;
      std::snprintf(line, sizeof line, "pinpipe_kafka_requests_by_version_total{api=\"%s\",version=\"%zu\"} %llu\n",
                    ApiName(r.key), v, static_cast<unsigned long long>(n));
      out += line;
    }
  }
  out += "# HELP pinpipe_kafka_request_errors_total Kafka requests answered by closing the connection (malformed, or an error with acks=0).\n"
         "# TYPE pinpipe_kafka_request_errors_total counter\n";
  each_api("pinpipe_kafka_request_errors_total", [](const Api& a) { return a.closes.load(std::memory_order_relaxed); });
  out += "# HELP pinpipe_kafka_request_seconds Kafka request latency, from the frame read to the answer queued, by API.\n"
         "# TYPE pinpipe_kafka_request_seconds histogram\n";
  for (const ApiRange& r : SupportedApis()) {
    if (static_cast<size_t>(r.key) >= kMaxApiKey) continue;
    std::snprintf(line, sizeof line, "api=\"%s\"", ApiName(r.key));
    apis_[static_cast<size_t>(r.key)].latency.Render(out, "pinpipe_kafka_request_seconds", line);
  }
  out += "# HELP pinpipe_kafka_produce_errors_total Produce partition results with an error, by Kafka error code.\n"
         "# TYPE pinpipe_kafka_produce_errors_total counter\n";
  for (size_t code = 0; code < kMaxErrorCode; ++code) {
    uint64_t n = produce_errors_[code].load(std::memory_order_relaxed);
    if (n == 0) continue;
    std::snprintf(line, sizeof line, "pinpipe_kafka_produce_errors_total{code=\"%zu\"} %llu\n", code,
                  static_cast<unsigned long long>(n));
    out += line;
  }
  auto scalar = [&](const char* name, const char* type, const char* help, unsigned long long v) {
    std::snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name, v);
    out += line;
  };
  scalar("pinpipe_kafka_received_bytes_total", "counter", "Kafka request bytes received.",
         bytes_in.load(std::memory_order_relaxed));
  scalar("pinpipe_kafka_sent_bytes_total", "counter", "Kafka response bytes queued for sending.",
         bytes_out.load(std::memory_order_relaxed));
  scalar("pinpipe_kafka_connections_accepted_total", "counter", "Kafka connections accepted.",
         connections_accepted.load(std::memory_order_relaxed));
  scalar("pinpipe_kafka_connections_refused_total", "counter",
         "Kafka connections closed at once for lack of file descriptors.",
         connections_refused.load(std::memory_order_relaxed));
  const int64_t open = connections_open.load(std::memory_order_relaxed);
  scalar("pinpipe_kafka_connections", "gauge", "Open Kafka connections.",
         static_cast<unsigned long long>(open < 0 ? 0 : open));
  scalar("pinpipe_kafka_produced_batches_total", "counter", "Record batches appended over Kafka Produce.",
         produced_batches.load(std::memory_order_relaxed));
  scalar("pinpipe_kafka_produced_records_total", "counter", "Records appended over Kafka Produce.",
         produced_records.load(std::memory_order_relaxed));
}

}  // namespace pinpipe::kafka
