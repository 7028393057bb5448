// Clock: the scheduler's only source of time, so tests can drive it with a TestClock instead
// of waiting for midnight. Both clocks are UTC wall clocks with second resolution.
#pragma once

#include <condition_variable>
#include <mutex>
#include <stop_token>

#include "orchestrator/civil_time.h"

namespace pinpipe::orchestrator {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // Blocks until Now() >= t or a stop is requested (spurious early returns are allowed:
  // callers re-check the time).
  virtual void WaitUntil(TimePoint t, std::stop_token stop) = 0;
};

// The system's UTC clock. Waits are capped at a minute so a wall-clock jump is noticed.
class SystemClock : public Clock {
 public:
  static SystemClock* Default();
  TimePoint Now() const override;
  void WaitUntil(TimePoint t, std::stop_token stop) override;

 private:
  std::mutex mu_;
  std::condition_variable_any cv_;
};

// A clock that only moves when a test moves it.
class TestClock : public Clock {
 public:
  explicit TestClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override;
  void WaitUntil(TimePoint t, std::stop_token stop) override;

  void Set(TimePoint t);
  void Advance(std::chrono::seconds d);
  // Blocks until some thread waits in WaitUntil for a time after Now(), i.e. has finished
  // reacting to the current time. False if that did not happen within `timeout` (real time).
  bool AwaitIdle(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  TimePoint now_;
  bool waiting_ = false;
  TimePoint waiting_for_{};
};

}  // namespace pinpipe::orchestrator
