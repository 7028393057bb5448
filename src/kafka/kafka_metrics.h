// Kafka-protocol counters of the broker: requests, connection closes and latency per API key,
// bytes in/out, open connections, records and batches produced, Produce partition errors by
// error code. Fixed arrays indexed by API key / error code, relaxed atomics: the request path
// takes no lock, allocates nothing and logs nothing for them. Render from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "log/log_metrics.h"

namespace pinpipe::kafka {

class KafkaMetrics {
 public:
  // Above the highest implemented key (DescribeCluster = 60); unknown keys close before counting.
  static constexpr size_t kMaxApiKey = 64;
  // Kafka's error codes in use are below 128; larger ones share the last slot.
  static constexpr size_t kMaxErrorCode = 128;
  // Versions counted per API (every advertised version is below it).
  static constexpr size_t kMaxVersion = 32;

  struct Api {
    std::atomic<uint64_t> requests{0};
    // Answered by closing the connection (a malformed body, an error with acks=0).
    std::atomic<uint64_t> closes{0};
    log::LatencyHistogram latency;  // from the frame's arrival to its answer being queued
  };

  // One request of `api_key` answered after `nanos` (closed: the answer was a close).
  void Observe(int16_t api_key, uint64_t nanos, bool closed) {
    if (api_key < 0 || static_cast<size_t>(api_key) >= kMaxApiKey) return;
    Api& a = apis_[static_cast<size_t>(api_key)];
    a.requests.fetch_add(1, std::memory_order_relaxed);
    if (closed) a.closes.fetch_add(1, std::memory_order_relaxed);
    a.latency.Record(nanos);
  }
  // One request of (api_key, version) was answered: which versions clients negotiate (a Java
  // consumer fetching by topic id sends Fetch v13+).
  void CountVersion(int16_t api_key, int16_t version) {
    if (api_key < 0 || static_cast<size_t>(api_key) >= kMaxApiKey) return;
    if (version < 0 || static_cast<size_t>(version) >= kMaxVersion) return;
    versions_[static_cast<size_t>(api_key)][static_cast<size_t>(version)].fetch_add(
        1, std::memory_order_relaxed);
  }
  uint64_t version_requests(int16_t api_key, int16_t version) const {
    return versions_[static_cast<size_t>(api_key)][static_cast<size_t>(version)].load(
        std::memory_order_relaxed);
  }
  void ProduceError(int16_t code) {
    size_t i = code < 0 ? kMaxErrorCode - 1 : static_cast<size_t>(code);
    if (i >= kMaxErrorCode) i = kMaxErrorCode - 1;
    produce_errors_[i].fetch_add(1, std::memory_order_relaxed);
  }

  std::atomic<uint64_t> bytes_in{0};   // request frames, with their size prefix
  std::atomic<uint64_t> bytes_out{0};  // response frames, with their size prefix
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<int64_t> connections_open{0};
  std::atomic<uint64_t> connections_refused{0};  // closed at once: out of descriptors
  std::atomic<uint64_t> produced_batches{0};  // appended (idempotent retries not counted twice)
  std::atomic<uint64_t> produced_records{0};

  const Api& api(int16_t key) const { return apis_[static_cast<size_t>(key)]; }
  // Requests over every API (the dashboard's Kafka requests/s).
  uint64_t TotalRequests() const;
  // Prometheus text format 0.0.4, every advertised API (zeros included), appended to out.
  void RenderPrometheus(std::string& out) const;

 private:
  std::array<Api, kMaxApiKey> apis_{};
  std::array<std::array<std::atomic<uint64_t>, kMaxVersion>, kMaxApiKey> versions_{};
  std::array<std::atomic<uint64_t>, kMaxErrorCode> produce_errors_{};
};

}  // namespace pinpipe::kafka
