#include "http/responder.h"

#include "common/mutex.h"
#include "http/connection.h"
#include "http/response_writer.h"

namespace pinpipe::http {

Responder::Responder(Responder&& other) noexcept
    : conn_(std::move(other.conn_)), stream_id_(other.stream_id_) {}

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (conn_) Send(ErrorResponse(500, "handler dropped its responder"));
    conn_ = std::move(other.conn_);
    stream_id_ = other.stream_id_;
  }
  return *this;
}

Responder::~Responder() {
  if (conn_) Send(ErrorResponse(500, "handler dropped its responder"));
}

void Responder::Send(Response&& response) {
  if (!conn_) return;
  response.stream = false;
  Connection::Deliver(std::move(conn_), stream_id_, std::move(response), nullptr);
  conn_.reset();
}

std::shared_ptr<BodyStream> Responder::SendStream(Response&& head) {
  auto stream = std::make_shared<BodyStream>(conn_, stream_id_);
  if (!conn_) {
    stream->MarkClosed();
    return stream;
  }
  head.stream = true;
  Connection::Deliver(std::move(conn_), stream_id_, std::move(head), stream);
  conn_.reset();
  return stream;
}

void Responder::Send(int status, std::string content_type, std::string body) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  Send(std::move(r));
}

// ---------------------------------------------------------------- BodyStream

bool BodyStream::Write(std::string bytes) {
  if (!open() || ended_.load(std::memory_order_acquire)) return false;
  auto c = conn_.lock();
  if (!c) {
    MarkClosed();
    return false;
  }
  if (bytes.empty()) return true;
  const size_t n = bytes.size();
  queued_.fetch_add(n, std::memory_order_relaxed);
  if (!Connection::DeliverData(std::move(c), stream_id_, std::move(bytes), /*end=*/false)) {
    queued_.fetch_sub(n, std::memory_order_relaxed);
    MarkClosed();
    return false;
  }
  return true;
}

void BodyStream::End() {
  if (ended_.exchange(true, std::memory_order_acq_rel)) return;
  auto c = conn_.lock();
  if (!c || !open() || !Connection::DeliverData(std::move(c), stream_id_, {}, /*end=*/true)) MarkClosed();
}

void BodyStream::SetOnClose(std::function<void()> fn) {
  UniqueMutexLock lock(mu_);
  if (closed_fired_) {
    lock.unlock();
    if (fn) fn();
    return;
  }
  on_close_ = std::move(fn);
}

void BodyStream::MarkClosed() {
  open_.store(false, std::memory_order_release);
  std::function<void()> fn;
  {
    MutexLock lock(mu_);
    if (closed_fired_) return;
    closed_fired_ = true;
    fn = std::move(on_close_);
  }
  if (fn) fn();
}

}  // namespace pinpipe::http
