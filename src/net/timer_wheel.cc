#include "net/timer_wheel.h"

namespace pinpipe::net {

TimerWheel::TimerWheel(uint64_t tick_ms, uint64_t now_ms)
    : tick_ms_(tick_ms ? tick_ms : 1), current_tick_(now_ms / tick_ms_), slots_(kSlots) {
  for (auto& s : slots_) s.prev_ = s.next_ = &s;
  expired_.prev_ = expired_.next_ = &expired_;
}

TimerWheel::~TimerWheel() {
  // Unlink everything so nodes that outlive the wheel read as not armed.
  for (auto& s : slots_) {
    while (s.next_ != &s) Unlink(s.next_);
  }
  while (expired_.next_ != &expired_) Unlink(expired_.next_);
}

void TimerWheel::Link(TimerNode* head, TimerNode* node) {
  node->next_ = head->next_;
  node->prev_ = head;
  head->next_->prev_ = node;
  head->next_ = node;
}

void TimerWheel::Unlink(TimerNode* node) {
  node->prev_->next_ = node->next_;
  node->next_->prev_ = node->prev_;
  node->prev_ = node->next_ = nullptr;
}

void TimerWheel::Schedule(TimerNode* node, uint64_t deadline_ms) {
  if (node->armed()) {
    Unlink(node);
    --count_;
  }
  node->deadline_ = deadline_ms;
  uint64_t tick = (deadline_ms + tick_ms_ - 1) / tick_ms_;  // never fire early
  if (tick < current_tick_) tick = current_tick_;
  Link(&slots_[tick % kSlots], node);
  ++count_;
}

void TimerWheel::Cancel(TimerNode* node) {
  if (!node->armed()) return;
  Unlink(node);
  --count_;
}

void TimerWheel::Advance(uint64_t now_ms) {
  const uint64_t now_tick = now_ms / tick_ms_;
  if (now_tick < current_tick_) return;
  // Visit each slot at most once even after a long stall.
  const uint64_t last = now_tick - current_tick_ >= kSlots ? current_tick_ + kSlots - 1 : now_tick;
  for (uint64_t t = current_tick_; t <= last; ++t) {
    Sentinel& slot = slots_[t % kSlots];
    TimerNode* n = slot.next_;
    while (n != &slot) {
      TimerNode* next = n->next_;
      if (n->deadline_ <= now_ms) {
        Unlink(n);
        Link(&expired_, n);
      }
      n = next;
    }
  }
  current_tick_ = now_tick + 1;
  // Fire after collecting: a callback may cancel or re-arm any node, itself included.
  while (expired_.next_ != &expired_) {
    TimerNode* n = expired_.next_;
    Unlink(n);
    --count_;
    n->OnTimer();
  }
}

}  // namespace pinpipe::net
