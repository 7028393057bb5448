#include "net/event_fd.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace pinpipe::net {

Result<EventFd> EventFd::Create() {
  int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return ErrnoError("eventfd", "", errno);
  return EventFd(fd);
}

EventFd& EventFd::operator=(EventFd&& o) noexcept {
  if (this != &o) {
    Close();
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

EventFd::~EventFd() { Close(); }

void EventFd::Signal() {
  uint64_t one = 1;
  // EAGAIN only when the counter would overflow, i.e. a wake-up is already pending.
  [[maybe_unused]] ssize_t n = ::write(fd_, &one, sizeof one);
}

void EventFd::Drain() {
  uint64_t value;
  [[maybe_unused]] ssize_t n = ::read(fd_, &value, sizeof value);
}

void EventFd::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace pinpipe::net
