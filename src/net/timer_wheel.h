// TimerWheel: a coarse hashed timer wheel for connection timeouts. Scheduling, re-arming and
// cancelling are O(1) list operations with no allocation and no syscall; the owning reactor
// advances it once per loop iteration with its coarse clock. Single-threaded (reactor thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pinpipe::net {

class TimerWheel;

// Embed in an object that needs a timeout; OnTimer runs on the reactor thread.
class TimerNode {
 public:
  TimerNode() = default;
  TimerNode(const TimerNode&) = delete;
  TimerNode& operator=(const TimerNode&) = delete;
  virtual ~TimerNode() = default;
  virtual void OnTimer() = 0;
  bool armed() const { return next_ != nullptr; }
  uint64_t deadline_ms() const { return deadline_; }

 private:
  friend class TimerWheel;
  TimerNode* prev_ = nullptr;
  TimerNode* next_ = nullptr;
  uint64_t deadline_ = 0;
};

class TimerWheel {
 public:
  // tick_ms is the resolution: timers fire up to one tick late, never early.
  TimerWheel(uint64_t tick_ms, uint64_t now_ms);
  ~TimerWheel();
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // (Re)arms `node` to fire at `deadline_ms` (absolute, same clock as Advance).
  void Schedule(TimerNode* node, uint64_t deadline_ms);
  void Cancel(TimerNode* node);
  // Fires every timer whose deadline is <= now_ms.
  void Advance(uint64_t now_ms);
  uint64_t tick_ms() const { return tick_ms_; }
  size_t size() const { return count_; }

 private:
  struct Sentinel final : TimerNode {
    void OnTimer() override {}
  };
  static void Link(TimerNode* head, TimerNode* node);
  static void Unlink(TimerNode* node);

  static constexpr size_t kSlots = 512;
  uint64_t tick_ms_;
  uint64_t current_tick_;  // every tick < current_tick_ has been processed
  size_t count_ = 0;
  std::vector<Sentinel> slots_;
  Sentinel expired_;
};

}  // namespace pinpipe::net
