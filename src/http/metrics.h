// Metrics: per-route request counts by status class, latency histograms and byte counters.
// Each reactor thread writes only its own shard (relaxed atomic load+store, no lock, no
// read-modify-write); rendering sums the shards. Render from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pinpipe::http {

class Metrics {
 public:
  // Upper bounds in seconds of the latency buckets (+Inf implied).
  static constexpr std::array<double, 15> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                       0.025,  0.05,  0.1,    0.25,  0.5,
                                                       1,      2.5,   5,      10,    30};
  // The error statuses counted one by one (the dashboard's rejections by code); any other
  // 4xx/5xx counts in its class only.
  static constexpr std::array<int, 16> kErrorCodes = {400, 401, 403, 404, 405, 408, 409, 411,
                                                      413, 415, 422, 429, 431, 500, 503, 504};
  struct RouteLabel {
    std::string route;   // pattern, or "unmatched"
    std::string method;  // route method, or "" for unmatched
  };

  // A single-writer counter: only the owning thread adds.
  struct Counter {
    std::atomic<uint64_t> v{0};
    void Add(uint64_t n) { v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
    uint64_t Get() const { return v.load(std::memory_order_relaxed); }
  };
  struct RouteStats {
    std::array<Counter, 5> by_class;  // 1xx..5xx
    std::array<Counter, kErrorCodes.size()> by_code;  // kErrorCodes
    std::array<Counter, kBuckets.size() + 1> buckets;  // non-cumulative; last is +Inf
    Counter sum_ns;
    Counter count;
  };
  struct Shard {
    std::unique_ptr<RouteStats[]> routes;
    Counter bytes_in;
    Counter bytes_out;
    Counter connections_accepted;
    Counter active_connections_delta;  // accepted - closed on this shard (wraps if negative)
    void Observe(int route_id, int status, uint64_t latency_ns);
  };

  // Called by Server::Start before threads run. Labels: one per router route, then one
  // extra for "unmatched" (404/405 and protocol errors); its id is labels.size()-1.
  void Configure(std::vector<RouteLabel> labels, size_t shards);
  Shard& shard(size_t i) { return *shards_[i]; }
  size_t unmatched_id() const { return labels_.empty() ? 0 : labels_.size() - 1; }

  // One route's counters summed over the shards (for the dashboard's sampler).
  struct RouteTotals {
    RouteLabel label;
    std::array<uint64_t, 5> by_class{};
    std::array<uint64_t, kErrorCodes.size()> by_code{};  // kErrorCodes
    std::array<uint64_t, kBuckets.size() + 1> buckets{};  // non-cumulative; last is +Inf
    uint64_t count = 0;
    uint64_t sum_ns = 0;
  };
  std::vector<RouteTotals> Totals() const;

  // Prometheus text exposition format 0.0.4, appended to *out.
  void RenderPrometheus(std::string* out) const;
  std::string RenderPrometheus() const;

 private:
  std::vector<RouteLabel> labels_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace pinpipe::http
