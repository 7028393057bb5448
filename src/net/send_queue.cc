#include "net/send_queue.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <utility>

#include "net/buffer_pool.h"

namespace pinpipe::net {

void SendQueue::Push(std::string piece) {
  if (piece.empty()) return;
  bytes_ += piece.size();
  pieces_.push_back(std::move(piece));
}

void SendQueue::Sent(size_t n) {
  bytes_ -= n;
  while (n > 0) {
    std::string& front = pieces_.front();
    const size_t left = front.size() - front_off_;
    if (n < left) {
      front_off_ += n;
      return;
    }
    n -= left;
    front_off_ = 0;
    BufferPool::Shared().Give(std::move(front));
    pieces_.pop_front();
  }
}

void SendQueue::CoalesceFront() {
  if (pieces_.size() < 2 || pieces_.front().size() >= kCoalesceBytes) return;
  std::string& front = pieces_.front();
  auto next = pieces_.begin() + 1;
  while (next != pieces_.end() && front.size() + next->size() <= kCoalesceBytes) {
    front += *next;
    ++next;
  }
  pieces_.erase(pieces_.begin() + 1, next);
}

SendQueue::FlushResult SendQueue::Flush(int fd) {
  while (!pieces_.empty()) {
    iovec iov[kMaxIov];
    int count = 0;
    size_t off = front_off_;
    for (auto it = pieces_.begin(); it != pieces_.end() && count < kMaxIov; ++it, off = 0) {
      iov[count].iov_base = const_cast<char*>(it->data() + off);
      iov[count].iov_len = it->size() - off;
      ++count;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(count);
    if (auto stop = AfterWrite(::sendmsg(fd, &msg, MSG_NOSIGNAL))) return *stop;
  }
  return FlushResult::kDone;
}

std::optional<SendQueue::FlushResult> SendQueue::AfterWrite(ssize_t n) {
  if (n > 0) {
    Sent(static_cast<size_t>(n));
    return std::nullopt;
  }
  if (n < 0 && errno == EINTR) return std::nullopt;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return FlushResult::kBlocked;
  return FlushResult::kError;
}

void SendQueue::Clear() {
  pieces_.clear();
  front_off_ = 0;
  bytes_ = 0;
}

}  // namespace pinpipe::net
