// Sampler: one background thread that, once a second, asks every registered source for its
// current values and records them in the MetricHistory. Sources read counters that already
// exist (http::Metrics shards, log watermarks, offset store, sink state, run history), so the
// hot paths pay nothing per record for the dashboard.
//
// Adding a metric source (a new subsystem):  dashboard.sampler().AddSource("kinesis",
//   [&](ui::Sample& s) { s.Counter("kinesis.put_records", stats.put_records); });
// Counters are cumulative; the sampler records their per-second rate under the same name. A
// counter first seen after the first pass is taken to have been 0 at the previous pass.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "ui/metric_history.h"

namespace pinpipe::ui {

// What a source writes into during one sampling pass.
class Sample {
 public:
  void Gauge(std::string_view name, double v) { gauges_.emplace_back(std::string(name), v); }
  // A cumulative counter: recorded as its rate per second since the previous pass.
  void Counter(std::string_view name, double total) { counters_.emplace_back(std::string(name), total); }

 private:
  friend class Sampler;
  std::vector<std::pair<std::string, double>> gauges_, counters_;
};

class Sampler {
 public:
  using Source = std::function<void(Sample&)>;
  explicit Sampler(MetricHistory& history) : history_(history) {}
  ~Sampler();  // Stop()
  // Sources are added before Start().
  void AddSource(std::string name, Source fn) { sources_.push_back({std::move(name), std::move(fn)}); }
  void Start(int64_t interval_ms = 1000);
  void Stop();
  // One pass at unix time `now_s` (the thread calls it; tests call it directly).
  void SampleOnce(int64_t now_s);
  // Incremented after every pass (the SSE feed waits on it).
  uint64_t passes() const { return passes_.load(std::memory_order_acquire); }

 private:
  struct Named {
    std::string name;
    Source fn;
  };
  MetricHistory& history_;
  std::vector<Named> sources_;
  std::map<std::string, std::pair<int64_t, double>, std::less<>> prev_;  // counter -> (t, total)
  int64_t last_pass_s_ = -1;
  std::atomic<uint64_t> passes_{0};
  Mutex mu_;
  CondVar cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// The q-quantile (0..1) of a histogram given as per-bucket counts (non-cumulative; the last
// bucket is +Inf) with upper bounds `bounds`, interpolated linearly inside the bucket as
// Prometheus' histogram_quantile does. NaN when the counts are all zero; the largest finite
// bound when the quantile falls in +Inf.
double QuantileFromBuckets(const std::vector<double>& bounds, const std::vector<uint64_t>& counts, double q);

}  // namespace pinpipe::ui
