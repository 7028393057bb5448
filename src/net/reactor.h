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

// Work that other threads queue for the loop besides waking it through an fd (an Inbox).
// The loop looks at every QueuedWork before it sleeps and runs what has work, which is what
// lets producers skip the eventfd while the loop is awake (Inbox::SignalOnlyWhileAsleep).
class QueuedWork {
 public:
  virtual ~QueuedWork() = default;
  virtual bool HasWork() const = 0;
  virtual void RunWork() = 0;  // on the loop thread
};

struct ReactorOptions {
  int tick_ms = 100;  // timer resolution and the longest epoll_wait sleep while timers run
  int idle_sleep_ms = 1000;  // the longest sleep without timers; -1 = until woken (tests)
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
  // Loop-thread only (or before Run); registered for the reactor's lifetime.
  void AddQueuedWork(QueuedWork* work) { queued_work_.push_back(work); }
  // True while the loop is blocked in epoll_wait or about to be (see QueuedWork).
  std::shared_ptr<const std::atomic<bool>> sleeping_flag() const { return sleeping_; }
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
  int idle_sleep_ms_ = 1000;
  std::shared_ptr<Inbox<std::function<void()>>> posts_;
  std::unique_ptr<PostHandler> post_handler_;
  std::vector<std::function<void()>> drained_;
  std::vector<QueuedWork*> queued_work_;
  std::shared_ptr<std::atomic<bool>> sleeping_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace pinpipe::net
