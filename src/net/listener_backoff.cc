#include "net/listener_backoff.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>

#include "net/listener.h"

namespace pinpipe::net {

ListenerBackoff::ListenerBackoff(Reactor& reactor, int listen_fd, EventHandler* handler,
                                 int pause_ms)
    : reactor_(reactor), listen_fd_(listen_fd), handler_(handler), pause_ms_(pause_ms) {
  null_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  RegainReserve();
}

ListenerBackoff::~ListenerBackoff() {
  if (armed()) reactor_.timers().Cancel(this);
  if (reserve_fd_ >= 0) ::close(reserve_fd_);
  if (null_fd_ >= 0) ::close(null_fd_);
}

bool ListenerBackoff::RegainReserve() {
  if (reserve_fd_ < 0 && null_fd_ >= 0) reserve_fd_ = ::fcntl(null_fd_, F_DUPFD_CLOEXEC, 0);
  return reserve_fd_ >= 0;
}

bool ListenerBackoff::OutOfDescriptors(int err) { return err == EMFILE || err == ENFILE; }

bool ListenerBackoff::ConnectionPending(int listen_fd) {
  pollfd p{listen_fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

int ListenerBackoff::RefusePendingAndPause() {
  // dup3 closes a refused connection and makes its slot the reserve again in one step.
  // Closing it first would free the slot for a moment: another listener's accept (or any open
  // in the process) could take it, leaving this one without a reserve and that one's client
  // with a live connection where this one's was refused.
  // The reserve is given up only while a connection is pending: closed just to find the queue
  // empty, its slot was free until RegainReserve, and another worker's accept took it (a live
  // connection where this listener's clients were being refused; seen in CI). Only this
  // listener's own thread accepts from it, so a pending connection is still there to take.
  int refused = 0;
  while (refused < 64 && RegainReserve() && ConnectionPending(listen_fd_)) {
    ::close(reserve_fd_);
    reserve_fd_ = -1;
    const int fd = AcceptConnection(listen_fd_);
    if (fd < 0) break;  // nothing pending (or the slot was taken): RegainReserve below
    ++refused;
    if (::dup3(null_fd_, fd, O_CLOEXEC) == fd) {
      reserve_fd_ = fd;
    } else {
      ::close(fd);
    }
  }
  RegainReserve();
  if (!paused_ && reactor_.Modify(listen_fd_, 0, handler_)) {
    paused_ = true;
    reactor_.timers().Schedule(this, reactor_.now_ms() + static_cast<uint64_t>(pause_ms_));
  }
  return refused;
}

void ListenerBackoff::OnTimer() {
  if (!paused_) return;
  // Before the first accept: a slot freed meanwhile becomes the reserve again, not a
  // connection that could then not be refused.
  RegainReserve();
  if (reactor_.Modify(listen_fd_, EPOLLIN, handler_)) paused_ = false;
}

}  // namespace pinpipe::net
