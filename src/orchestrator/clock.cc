#include "orchestrator/clock.h"

namespace pinpipe::orchestrator {

SystemClock* SystemClock::Default() {
  static SystemClock* clock = new SystemClock();
  return clock;
}

TimePoint SystemClock::Now() const {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

void SystemClock::WaitUntil(TimePoint t, std::stop_token stop) {
  std::unique_lock lock(mu_);
  const auto cap = std::chrono::system_clock::now() + std::chrono::minutes(1);
  cv_.wait_until(lock, stop, std::min<std::chrono::system_clock::time_point>(t, cap),
                 [] { return false; });
}

TimePoint TestClock::Now() const {
  std::lock_guard lock(mu_);
  return now_;
}

void TestClock::WaitUntil(TimePoint t, std::stop_token stop) {
  std::unique_lock lock(mu_);
  waiting_ = true;
  waiting_for_ = t;
  cv_.notify_all();
  cv_.wait(lock, stop, [&] { return now_ >= t; });
  waiting_ = false;
}

void TestClock::Set(TimePoint t) {
  std::lock_guard lock(mu_);
  now_ = t;
  cv_.notify_all();
}

void TestClock::Advance(std::chrono::seconds d) {
  std::lock_guard lock(mu_);
  now_ += d;
  cv_.notify_all();
}

bool TestClock::AwaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return waiting_ && waiting_for_ > now_; });
}

}  // namespace pinpipe::orchestrator
