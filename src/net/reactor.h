// Reactor: one epoll event loop on one thread. Owns a timer wheel driven by a coarse clock
// and an Inbox of closures so other threads can run code on the loop (Post). Handlers are
// raw pointers registered per fd; the registrant keeps them alive until Remove.
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "common/status.h"
#include "net/inbox.h"
#include "net/timer_wheel.h"

namespace pinpipe::net {

class EventHandler {
 public:
  virtual ~EventHandler() = default;
  // `events` is the epoll mask (EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLERR, EPOLLHUP).
  virtual void OnEvents(uint32_t events) = 0;
};

struct ReactorOptions {
  int tick_ms = 100;  // timer resolution and the longest epoll_wait sleep
};

class Reactor {
 public:
  static Result<std::unique_ptr<Reactor>> Create(ReactorOptions options = {});
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  // Loop-thread only (or before Run starts).
  Status Add(int fd, uint32_t events, EventHandler* handler);
  Status Modify(int fd, uint32_t events, EventHandler* handler);
  void Remove(int fd);
  TimerWheel& timers() { return *timers_; }
  // Coarse monotonic milliseconds, refreshed once per loop iteration.
  uint64_t now_ms() const { return now_ms_; }

  // Runs the loop on the calling thread until Stop().
  void Run();
  // Thread-safe: makes Run() return soon.
  void Stop();
  // Thread-safe: runs fn on the loop thread. Returns false if the reactor is shut down.
  bool Post(std::function<void()> fn);
  // True on the thread currently inside this reactor's Run().
  bool InLoopThread() const;
  // The reactor running on the calling thread, or nullptr.
  static Reactor* Current();

  static uint64_t CoarseNowMs();

 private:
  Reactor() = default;
  class PostHandler;

  int epfd_ = -1;
  std::atomic<bool> stop_{false};
  uint64_t now_ms_ = 0;
  std::unique_ptr<TimerWheel> timers_;
  std::shared_ptr<Inbox<std::function<void()>>> posts_;
  std::unique_ptr<PostHandler> post_handler_;
  std::vector<std::function<void()>> drained_;
};

}  // namespace pinpipe::net
