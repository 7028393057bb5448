#include "common/clock.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace pinpipe {
namespace {

class SystemClock final : public Clock {
 public:
  int64_t SteadyUs() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  int64_t WallUs() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // Capped at a minute so a wall-clock jump is noticed by the caller's re-check.
  void WaitUntilWall(int64_t wall_ms, std::stop_token stop) const override {
    const auto until = std::chrono::system_clock::time_point(std::chrono::milliseconds(wall_ms));
    const auto cap = std::chrono::system_clock::now() + std::chrono::minutes(1);
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    cv.wait_until(lock, stop, std::min(until, cap), [] { return false; });
  }
  void Sleep(int64_t ms, const std::atomic<bool>* cancel) const override {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (true) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= end || (cancel != nullptr && cancel->load())) return;
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          end - now, std::chrono::milliseconds(20)));
    }
  }
};

}  // namespace

const Clock& Clock::System() {
  static const SystemClock clock;
  return clock;
}

bool ManualClock::AnyWaiterAheadLocked() const {
  for (const Waiter* w : waiters_) {
    if (w->until_us > (w->wall ? WallUs() : SteadyUs())) return true;
  }
  return false;
}

void ManualClock::WaitUntilWall(int64_t wall_ms, std::stop_token stop) const {
  // Registered before the lock: it runs at once, on this thread, if a stop is already requested.
  std::stop_callback wake(stop, [this] {
    MutexLock lock(mu_);
    cv_.NotifyAll();
  });
  MutexLock lock(mu_);
  const Waiter me{true, wall_ms * 1000};
  waiters_.push_back(&me);
  cv_.NotifyAll();  // AwaitWaiter
  while (WallUs() < me.until_us && !stop.stop_requested()) cv_.Wait(mu_);
  std::erase(waiters_, &me);
}

void ManualClock::Sleep(int64_t ms, const std::atomic<bool>* cancel) const {
  MutexLock lock(mu_);
  const Waiter me{false, SteadyUs() + ms * 1000};
  waiters_.push_back(&me);
  cv_.NotifyAll();
  // `cancel` is a plain flag nobody signals: looked at every 20 ms of real time.
  while (SteadyUs() < me.until_us && !(cancel != nullptr && cancel->load())) {
    (void)cv_.WaitFor(mu_, std::chrono::milliseconds(20));
  }
  std::erase(waiters_, &me);
}

void ManualClock::Advance(int64_t ms) {
  MutexLock lock(mu_);
  steady_us_.fetch_add(ms * 1000, std::memory_order_relaxed);
  wall_us_.fetch_add(ms * 1000, std::memory_order_relaxed);
  cv_.NotifyAll();
}

void ManualClock::SetWallMs(int64_t wall_ms) {
  MutexLock lock(mu_);
  const int64_t delta = wall_ms * 1000 - wall_us_.load(std::memory_order_relaxed);
  wall_us_.store(wall_ms * 1000, std::memory_order_relaxed);
  if (delta > 0) steady_us_.fetch_add(delta, std::memory_order_relaxed);
  cv_.NotifyAll();
}

bool ManualClock::AwaitWaiter(int64_t timeout_ms) const {
  MutexLock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!AnyWaiterAheadLocked()) {
    if (!cv_.WaitUntil(mu_, deadline)) return AnyWaiterAheadLocked();
  }
  return true;
}

}  // namespace pinpipe
