// EventFd: a Linux eventfd used to wake a reactor from another thread.
#pragma once

#include "common/status.h"

namespace pinpipe::net {

class EventFd {
 public:
  static Result<EventFd> Create();
  EventFd() = default;
  EventFd(EventFd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  EventFd& operator=(EventFd&& o) noexcept;
  EventFd(const EventFd&) = delete;
  EventFd& operator=(const EventFd&) = delete;
  ~EventFd();

  int fd() const { return fd_; }
  void Signal();  // thread-safe
  void Drain();   // resets the counter (non-blocking)
  void Close();

 private:
  explicit EventFd(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace pinpipe::net
