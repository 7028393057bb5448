// LatencyHistogram: a Prometheus histogram of durations with fixed buckets, written by one
// thread (the job's worker, once per batch: relaxed load + store, no read-modify-write) and
// read by any (/metrics, the status document).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace pinpipe::stream {

class LatencyHistogram {
 public:
  // Upper bounds in seconds (+Inf implied): 5 ms .. 1 min, spanning a micro-batch's life.
  static constexpr std::array<double, 13> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                     1,     2.5,  5,     10,   30,  60};

  void Observe(double seconds) {
    size_t b = 0;
    while (b < kBounds.size() && seconds > kBounds[b]) ++b;
    Bump(counts_[b], 1);
    sum_us_.store(sum_us_.load(std::memory_order_relaxed) + static_cast<uint64_t>(seconds > 0 ? seconds * 1e6 : 0),
                  std::memory_order_relaxed);
  }

  // `name` with its _bucket (cumulative), _sum and _count lines.
  void RenderPrometheus(std::string& out, std::string_view name, std::string_view help) const {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
    uint64_t cumulative = 0;
    for (size_t b = 0; b < counts_.size(); ++b) {
      cumulative += counts_[b].load(std::memory_order_relaxed);
      if (b < kBounds.size()) {
        fmt::format_to(std::back_inserter(out), "{}_bucket{{le=\"{}\"}} {}\n", name, kBounds[b], cumulative);
      } else {
        fmt::format_to(std::back_inserter(out), "{}_bucket{{le=\"+Inf\"}} {}\n", name, cumulative);
      }
    }
    fmt::format_to(std::back_inserter(out), "{}_sum {}\n{}_count {}\n", name,
                   static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6, name, cumulative);
  }

  // {"le":[bounds],"counts":[per bucket, non-cumulative, +Inf last],"sum_s":..}
  void AppendJson(std::string& out) const {
    out += "{\"le\":[";
    for (size_t b = 0; b < kBounds.size(); ++b) fmt::format_to(std::back_inserter(out), "{}{}", b ? "," : "", kBounds[b]);
    out += "],\"counts\":[";
    for (size_t b = 0; b < counts_.size(); ++b) {
      fmt::format_to(std::back_inserter(out), "{}{}", b ? "," : "", counts_[b].load(std::memory_order_relaxed));
    }
    fmt::format_to(std::back_inserter(out), "],\"sum_s\":{}}}",
                   static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6);
  }

 private:
  static void Bump(std::atomic<uint64_t>& a, uint64_t n) {
    a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> counts_{};
  std::atomic<uint64_t> sum_us_{0};
};

}  // namespace pinpipe::stream
