// SendQueue: a connection's answers waiting for the socket, kept as the strings they were built
// in. Flush hands up to kMaxIov of them to one sendmsg (a gather write), so a large answer is
// never copied into one contiguous output buffer; a piece sent whole goes back to the
// BufferPool when it is large. Not thread-safe: one per connection, used on its loop.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace pinpipe::net {

class SendQueue {
 public:
  static constexpr int kMaxIov = 64;
  static constexpr size_t kCoalesceBytes = 16 * 1024;  // a TLS record's largest payload

  enum class FlushResult {
    kDone,     // everything was sent
    kBlocked,  // the socket is full (EAGAIN): wait for EPOLLOUT
    kError,    // the peer is gone or the socket failed (errno tells)
  };

  void Push(std::string piece);  // empty pieces are dropped
  void Push(std::string_view bytes) { Push(std::string(bytes)); }
  bool empty() const { return pieces_.empty(); }
  size_t bytes() const { return bytes_; }  // queued and not yet sent

  // Sends on a plain socket until empty or the socket is full.
  FlushResult Flush(int fd);
  // Sends through `write(const char*, size_t)`, which returns like send(2) (a TLS stream).
  // Small pieces are first joined up to kCoalesceBytes: each write is a TLS record and a
  // syscall, and an answer's frame header alone would be one.
  template <typename Write>
  FlushResult FlushWith(Write&& write);

  void Clear();

 private:
  void Sent(size_t n);  // drops n sent bytes from the front
  // What a write's result means: the flush's end, or nothing when it goes on (bytes were sent,
  // or EINTR).
  std::optional<FlushResult> AfterWrite(ssize_t n);
  // Appends the pieces after the front into it while the front stays within kCoalesceBytes
  // (the front's unsent bytes keep their place: a retried TLS write sees the same prefix).
  void CoalesceFront();

  std::deque<std::string> pieces_;
  size_t front_off_ = 0;  // bytes of pieces_.front() already sent
  size_t bytes_ = 0;
};

template <typename Write>
SendQueue::FlushResult SendQueue::FlushWith(Write&& write) {
  while (!pieces_.empty()) {
    CoalesceFront();
    const std::string& front = pieces_.front();
    if (auto stop = AfterWrite(write(front.data() + front_off_, front.size() - front_off_))) return *stop;
  }
  return FlushResult::kDone;
}

}  // namespace pinpipe::net
