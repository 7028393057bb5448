// Clock: the one source of time for deadlines, expiry and timestamps outside the scheduler's
// civil-time clock (src/orchestrator/clock.h), so that tests move time instead of sleeping.
#pragma once

#include <atomic>
#include <cstdint>

namespace pinpipe {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic milliseconds (an arbitrary epoch): for deadlines, timeouts and expiry.
  virtual int64_t SteadyMs() const = 0;
  // Unix epoch milliseconds: for record and file timestamps.
  virtual int64_t WallMs() const = 0;
  // The operating system's clocks.
  static const Clock& System();
};

// A clock that moves only when a test moves it (both readings move together).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t steady_ms = 1'000'000, int64_t wall_ms = 1'764'892'800'000)
      : steady_(steady_ms), wall_(wall_ms) {}
  int64_t SteadyMs() const override { return steady_.load(std::memory_order_relaxed); }
  int64_t WallMs() const override { return wall_.load(std::memory_order_relaxed); }
  void Advance(int64_t ms) {
    steady_.fetch_add(ms, std::memory_order_relaxed);
    wall_.fetch_add(ms, std::memory_order_relaxed);
  }

 private:
  std::atomic<int64_t> steady_;
  std::atomic<int64_t> wall_;
};

}  // namespace pinpipe
