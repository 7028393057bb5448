// Process-wide counters of the log, updated with relaxed atomics (no locks on the hot path).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace pinpipe::log {

class LatencyHistogram {
 public:
  // Upper bounds in seconds, Prometheus style; the last bucket is +Inf.
  static constexpr std::array<double, 13> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                     0.005,  0.01,    0.025,  0.05,  0.1,
                                                     0.25,   0.5,     1.0};
  void Record(uint64_t nanos);
  // Appends "<name>_bucket{le=...} n", _sum and _count lines; `labels` (e.g. `api="Fetch"`),
  // when given, go before `le` and on _sum and _count.
  void Render(std::string& out, const char* name, const char* labels = nullptr) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0}, sum_nanos_{0};
};

struct LogMetrics {
  std::atomic<uint64_t> fsyncs{0};
  std::atomic<uint64_t> fsync_errors{0};
  std::atomic<uint64_t> group_commit_appends{0};  // appends acknowledged by group commits
  std::atomic<uint64_t> recovery_points{0};  // recovery points written (RecoveryPoint)
  // Bytes read and CRC-checked at open: the active segments after a crash, from their
  // recovery points (0 after a clean shutdown).
  std::atomic<uint64_t> recovery_validated_bytes{0};
  // Damage kept as gaps (found at open or by reads), batches whose CRC failed when read, and
  // reads that skipped a gap.
  std::atomic<uint64_t> unreadable_ranges{0};
  std::atomic<uint64_t> corrupt_batches_read{0};
  std::atomic<uint64_t> gap_skips{0};
  LatencyHistogram fsync_latency;
};

}  // namespace pinpipe::log
