// BodyStream: the open-ended body of a response started with Responder::SendStream (an AWS
// event stream, a server push). Written from any thread; the bytes reach the connection's
// reactor through its inbox, in order, as HTTP/2 DATA frames (flow-controlled by the client's
// window) or HTTP/1.1 chunks.
//  - Write/End after the client went away (stream reset, connection closed, server stopped)
//    return false / do nothing: the producer learns it from Write, from open(), or from the
//    close callback.
//  - buffered(): bytes written and not yet handed to the kernel, so a producer can pause
//    instead of queueing without bound behind a slow reader.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/mutex.h"

namespace pinpipe::http {

class Connection;

class BodyStream {
 public:
  BodyStream(std::weak_ptr<Connection> conn, int32_t stream_id) : conn_(std::move(conn)), stream_id_(stream_id) {}

  // Any thread. False (nothing queued) once the stream is closed or ended.
  bool Write(std::string bytes);
  // Any thread: the body is complete (HTTP/2 END_STREAM, the last chunk). Idempotent.
  void End();
  bool open() const { return open_.load(std::memory_order_acquire); }
  size_t buffered() const {
    return queued_.load(std::memory_order_relaxed) + unsent_.load(std::memory_order_relaxed);
  }
  // Called once when the stream closes for any reason (End included), on whichever thread
  // closes it; at once if it is closed already. Must not block.
  void SetOnClose(std::function<void()> fn);

  // Connection side (reactor thread).
  int32_t stream_id() const { return stream_id_; }
  void Delivered(size_t bytes) { queued_.fetch_sub(bytes, std::memory_order_relaxed); }
  void SetUnsent(size_t bytes) { unsent_.store(bytes, std::memory_order_relaxed); }
  void MarkClosed();

 private:
  std::weak_ptr<Connection> conn_;
  const int32_t stream_id_;  // 0 = HTTP/1.1
  std::atomic<bool> open_{true};
  std::atomic<bool> ended_{false};
  std::atomic<size_t> queued_{0};
  std::atomic<size_t> unsent_{0};
  Mutex mu_;
  std::function<void()> on_close_;
  bool closed_fired_ = false;
};

}  // namespace pinpipe::http
