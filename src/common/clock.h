// Clock: the one source of time for deadlines, expiry, waits and timestamps (the REST consumers,
// Kinesis, the scheduler and DAG runs, the log, the sink, the group coordinator, the stream job),
// so that tests move time instead of sleeping.
#pragma once

#include <atomic>
#include <cstdint>
#include <stop_token>
#include <vector>

#include "common/mutex.h"

namespace pinpipe {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic microseconds (an arbitrary epoch): for deadlines, timeouts, expiry, durations.
  virtual int64_t SteadyUs() const = 0;
  // Unix epoch microseconds: for record, file and run timestamps.
  virtual int64_t WallUs() const = 0;
  int64_t SteadyMs() const { return SteadyUs() / 1000; }
  int64_t WallMs() const { return WallUs() / 1000; }
  // Blocks until WallMs() >= wall_ms or a stop is requested. May return early (a wall-clock
  // jump, a spurious wake-up): callers re-check the time.
  virtual void WaitUntilWall(int64_t wall_ms, std::stop_token stop) const = 0;
  // Blocks until `ms` have passed on SteadyMs(), or at once when `cancel` becomes true.
  virtual void Sleep(int64_t ms, const std::atomic<bool>* cancel) const = 0;
  // The operating system's clocks.
  static const Clock& System();
};

// A clock that moves only when a test moves it (both readings move together). Waits and sleeps
// on it block until a test moves it far enough; AwaitWaiter tells the test that a thread is
// waiting for a time still ahead (so it has finished reacting to the current one).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t steady_ms = 1'000'000, int64_t wall_ms = 1'764'892'800'000)
      : steady_us_(steady_ms * 1000), wall_us_(wall_ms * 1000) {}
  int64_t SteadyUs() const override { return steady_us_.load(std::memory_order_relaxed); }
  int64_t WallUs() const override { return wall_us_.load(std::memory_order_relaxed); }
  void WaitUntilWall(int64_t wall_ms, std::stop_token stop) const override;
  void Sleep(int64_t ms, const std::atomic<bool>* cancel) const override;

  void Advance(int64_t ms);
  // Sets the wall clock (the steady clock moves forward by as much, never back).
  void SetWallMs(int64_t wall_ms);
  // Waits (in real time, up to timeout_ms) until some thread waits on this clock for a time
  // after the current one. False on timeout.
  bool AwaitWaiter(int64_t timeout_ms = 10'000) const;

 private:
  struct Waiter {
    bool wall;
    int64_t until_us;
  };
  bool AnyWaiterAheadLocked() const REQUIRES(mu_);
  std::atomic<int64_t> steady_us_;
  std::atomic<int64_t> wall_us_;
  mutable Mutex mu_;  // taken by Advance and by waiters, so no wake-up is lost
  mutable CondVar cv_;
  mutable std::vector<const Waiter*> waiters_ GUARDED_BY(mu_);
};

}  // namespace pinpipe
