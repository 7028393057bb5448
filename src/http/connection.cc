#include "http/connection.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "http/body_stream.h"
#include "http/http2_session.h"
#include "http/response_writer.h"
#include "http/worker.h"

namespace pinpipe::http {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kMaxPendingOutput = 1 << 20;  // stop parsing while a client does not read
constexpr size_t kKeepBuffer = 64 * 1024;      // shrink buffers above this when idle
constexpr uint64_t kLingerMs = 2000;

uint64_t NowNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

Connection::Connection(Worker* worker, int fd)
    : w_(worker),
      reactor_(worker->reactor.get()),
      fd_(fd),
      parser_(worker->limits),
      inbox_(worker->inbox) {}

Connection::~Connection() {
  if (!closed_ && fd_ >= 0) ::close(fd_);
}

Status Connection::Start() {
  last_activity_ms_ = reactor_->now_ms();
  w_->metrics.connections_accepted.Add(1);
  w_->metrics.active_connections_delta.Add(1);
  PINPIPE_RETURN_IF_ERROR(reactor_->Add(fd_, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, this));
  UpdateTimer();
  return OkStatus();
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  reactor_->timers().Cancel(this);
  // Streamed bodies learn that their client is gone (a subscription releases its lease).
  if (auto st = std::move(h1_stream_)) st->MarkClosed();
  if (h2_) h2_->CloseAll();
  ::close(fd_);  // also removes it from epoll (never dup'ed)
  fd_ = -1;
  w_->metrics.active_connections_delta.Add(~uint64_t{0});  // -1, wraps
  w_->RemoveConnection(this);  // may drop the last reference; callers hold `self`
}

void Connection::OnEvents(uint32_t events) {
  auto self = shared_from_this();
  if (events & (EPOLLERR | EPOLLHUP)) {
    Close();
    return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP)) readable_ = true;
  if (events & EPOLLRDHUP) rdhup_ = true;  // EOF pending: read until 0, no new edge will come
  if (events & EPOLLOUT) writable_ = true;
  if (rdhup_ && h1_stream_) {
    Close();  // the reader of a streamed body left
    return;
  }
  if (lingering_) {
    DrainLinger();
    return;
  }
  if ((events & EPOLLOUT) && !out_.empty()) Flush();
  if (!closed_) Process();
}

bool Connection::ReadSome() {
  char* p = in_.PrepareWrite(kReadChunk);
  const size_t room = in_.tail_room();
  ssize_t n = ::read(fd_, p, room);
  if (n > 0) {
    in_.CommitWrite(static_cast<size_t>(n));
    w_->metrics.bytes_in.Add(static_cast<uint64_t>(n));
    // A short read drained the socket; edge-triggered epoll reports new data later.
    if (static_cast<size_t>(n) < room && !rdhup_) readable_ = false;
    return true;
  }
  if (n == 0) {
    peer_eof_ = true;
    readable_ = false;
    return true;
  }
  if (errno == EINTR) return true;
  readable_ = false;
  if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
  Close();
  return false;
}

void Connection::Process() {
  if (h2_) return ProcessH2();
  while (!closed_ && !awaiting_ && !close_after_flush_) {
    if (out_.size() > kMaxPendingOutput) break;  // resumes on EPOLLOUT
    if (!sniffed_ && !in_.empty()) {
      // The HTTP/2 preface, or its beginning, before anything else: wait for all of it.
      std::string_view v = in_.view();
      std::string_view p = Http2Session::kPreface;
      const size_t n = std::min(v.size(), p.size());
      if (v.substr(0, n) != p.substr(0, n)) {
        sniffed_ = true;
      } else if (n == p.size()) {
        sniffed_ = true;
        StartHttp2();
        return;
      } else {
        if (peer_eof_) {
          close_after_flush_ = true;
          break;
        }
        if (!readable_ || !ReadSome()) break;
        continue;
      }
    }
    ParseState st = parser_.Parse(in_.view());
    if (st == ParseState::kComplete) {
      Dispatch();
      continue;
    }
    if (st == ParseState::kError) {
      Fail(parser_.error_status(), parser_.error_reason());
      break;
    }
    const uint64_t now = reactor_->now_ms();
    if (parser_.started() && request_start_ms_ == 0) request_start_ms_ = now;
    if (parser_.headers_complete() && headers_done_ms_ == 0) headers_done_ms_ = now;
    if (parser_.expects_continue() && !continue_sent_) {
      out_.Append("HTTP/1.1 100 Continue\r\n\r\n");
      continue_sent_ = true;
    }
    if (peer_eof_) {
      // Half-closed by the client: finish what is queued, drop an incomplete request.
      close_after_flush_ = true;
      break;
    }
    if (!readable_ || !ReadSome()) break;
  }
  if (closed_) return;
  Flush();
  if (!closed_) UpdateTimer();
}

void Connection::Dispatch() {
  sniffed_ = true;
  Request& req = parser_.mutable_request();
  req.path_params.clear();
  Router::Match match = w_->router.Find(req.method, req.path, &req.path_params, &req.path_param_text);
  keep_alive_ = req.keep_alive;
  http10_ = req.version_minor == 0;
  head_ = parser_.is_head();
  dispatch_ns_ = NowNs();
  awaiting_ = true;
  if (match.status != 200) {
    route_id_ = w_->unmatched_id;
    Response r = ErrorResponse(match.status);
    if (match.status == 405) r.headers.emplace_back("Allow", std::move(match.allow));
    in_dispatch_ = true;  // complete inline; Process() continues the loop
    OnCompletion(std::move(r));
    in_dispatch_ = false;
    return;
  }
  route_id_ = match.route_id;
  in_dispatch_ = true;
  try {
    match.route->handler(req, Responder(shared_from_this(), 0));
  } catch (...) {
    // The Responder was destroyed during unwinding and queued a 500.
  }
  in_dispatch_ = false;
}

void Connection::Deliver(std::shared_ptr<Connection> self, int32_t stream_id, Response&& response,
                         std::shared_ptr<BodyStream> body) {
  Connection* c = self.get();
  Completion comp{std::move(self), std::move(response), stream_id, Completion::kResponse, body};
  // A synchronous Send from the handler itself skips the queue.
  if (net::Reactor::Current() == c->reactor_ && c->in_dispatch_) {
    c->OnDelivery(std::move(comp));
    return;
  }
  auto inbox = c->inbox_;
  if (!inbox->Push(std::move(comp)) && body) body->MarkClosed();
}

bool Connection::DeliverData(std::shared_ptr<Connection> self, int32_t stream_id, std::string bytes, bool end) {
  auto inbox = self->inbox_;
  Completion comp{std::move(self), Response{}, stream_id, end ? Completion::kEnd : Completion::kData, nullptr};
  comp.response.body = std::move(bytes);
  return inbox->Push(std::move(comp));
}

void Connection::OnDelivery(Completion&& c) {
  if (closed_) {
    if (c.body_stream) c.body_stream->MarkClosed();
    return;
  }
  if (h2_) {
    h2_->OnDelivery(std::move(c));
    if (!in_dispatch_) AfterH2();
    return;
  }
  switch (c.kind) {
    case Completion::kResponse:
      OnCompletion(std::move(c.response), std::move(c.body_stream));
      return;
    case Completion::kData:
      if (!h1_stream_) return;
      h1_stream_->Delivered(c.response.body.size());
      if (http10_) {
        out_.Append(c.response.body);
      } else {
        AppendChunk(c.response.body, &out_);
      }
      Flush();
      if (!closed_ && h1_stream_) h1_stream_->SetUnsent(out_.size());
      return;
    case Completion::kEnd:
      if (h1_stream_) FinishH1Stream();
      return;
  }
}

void Connection::OnCompletion(Response&& response, std::shared_ptr<BodyStream> body) {
  if (closed_ || !awaiting_ || h1_stream_) {
    if (body) body->MarkClosed();
    return;
  }
  if (response.close) keep_alive_ = false;
  const bool streamed = response.stream && body && !head_;
  if (streamed && http10_) keep_alive_ = false;  // no chunked coding: the close ends the body
  WriteOptions opts{keep_alive_, http10_, head_, streamed && !http10_};
  AppendResponse(response, opts, &out_);
  w_->metrics.Observe(route_id_, response.status, NowNs() - dispatch_ns_);
  if (streamed) {
    // The request stays dispatched (awaiting_) until the body ends: no timeouts, no next request.
    h1_stream_ = std::move(body);
    Flush();
    if (!closed_ && h1_stream_) h1_stream_->SetUnsent(out_.size());
    return;
  }
  if (body) body->MarkClosed();
  FinishRequest();
}

void Connection::FinishH1Stream() {
  if (!http10_) AppendChunk({}, &out_);
  auto st = std::move(h1_stream_);
  st->MarkClosed();
  FinishRequest();
}

void Connection::FinishRequest() {
  awaiting_ = false;
  if (!keep_alive_) close_after_flush_ = true;
  in_.Consume(parser_.consumed());
  parser_.Reset();
  continue_sent_ = false;
  request_start_ms_ = headers_done_ms_ = 0;
  last_activity_ms_ = reactor_->now_ms();
  if (in_.empty()) in_.ShrinkIfEmpty(kKeepBuffer);
  if (!in_dispatch_) {
    auto self = shared_from_this();
    Process();
  }
}

void Connection::StartHttp2() {
  h2_ = std::make_unique<Http2Session>(this);
  if (auto st = h2_->Start(); !st) {
    Close();
    return;
  }
  ProcessH2();
}

void Connection::ProcessH2() {
  while (!closed_ && !close_after_flush_) {
    if (!in_.empty()) {
      last_activity_ms_ = reactor_->now_ms();
      const bool ok = h2_->Receive(in_.view());
      in_.Consume(in_.size());
      in_.ShrinkIfEmpty(kKeepBuffer);
      if (!ok) {
        close_after_flush_ = true;  // GOAWAY queued; send it and close
        break;
      }
      h2_->DispatchReady();
      if (closed_) return;
    }
    if (out_.size() > kMaxPendingOutput) break;  // resumes on EPOLLOUT
    if (peer_eof_) {
      close_after_flush_ = true;
      break;
    }
    if (!readable_ || !ReadSome()) break;
  }
  if (!closed_) AfterH2();
}

void Connection::AfterH2() {
  auto self = shared_from_this();
  h2_->Produce(&out_, kMaxPendingOutput);
  Flush();
  if (closed_) return;
  if (h2_->finished() && out_.empty()) {
    Close();
    return;
  }
  h2_->ReportUnsent(out_.size());
  UpdateTimer();
}

void Connection::Fail(int status, std::string_view reason) {
  Response r = ErrorResponse(status, reason);
  AppendResponse(r, WriteOptions{false, false, false}, &out_);
  w_->metrics.Observe(w_->unmatched_id, status, 0);
  keep_alive_ = false;
  close_after_flush_ = true;
}

void Connection::Flush() {
  while (!out_.empty()) {
    ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
    if (n > 0) {
      out_.Consume(static_cast<size_t>(n));
      w_->metrics.bytes_out.Add(static_cast<uint64_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      writable_ = false;
      return;
    }
    Close();
    return;
  }
  out_.ShrinkIfEmpty(kKeepBuffer);
  if (close_after_flush_ && !lingering_ && !awaiting_) {
    if (peer_eof_) {
      Close();
      return;
    }
    // Lingering close: shut our side and discard input for a while, so unread request
    // bytes do not make the kernel reset the connection before the client reads our answer.
    ::shutdown(fd_, SHUT_WR);
    lingering_ = true;
    linger_deadline_ms_ = reactor_->now_ms() + kLingerMs;
    DrainLinger();
  }
}

void Connection::DrainLinger() {
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      UpdateTimer();
      return;
    }
    Close();  // EOF or error
    return;
  }
}

void Connection::UpdateTimer() {
  if (closed_) return;
  const ServerOptions& o = w_->options;
  uint64_t deadline;
  if (lingering_) {
    deadline = linger_deadline_ms_;
  } else if (h2_) {
    if (!out_.empty() && !writable_) {
      deadline = reactor_->now_ms() + static_cast<uint64_t>(o.idle_timeout_ms);
    } else if (h2_->open_streams() > 0) {
      reactor_->timers().Cancel(this);  // handlers and streamed bodies own the clock
      return;
    } else {
      deadline = last_activity_ms_ + static_cast<uint64_t>(o.idle_timeout_ms);
    }
  } else if (awaiting_) {
    reactor_->timers().Cancel(this);  // the handler owns the clock now
    return;
  } else if (!out_.empty() && !writable_) {
    deadline = reactor_->now_ms() + static_cast<uint64_t>(o.idle_timeout_ms);
  } else if (!parser_.started()) {
    deadline = last_activity_ms_ + static_cast<uint64_t>(o.idle_timeout_ms);
  } else if (!parser_.headers_complete()) {
    deadline = request_start_ms_ + static_cast<uint64_t>(o.header_timeout_ms);
  } else {
    deadline = headers_done_ms_ + static_cast<uint64_t>(o.body_timeout_ms);
  }
  if (!armed() || deadline_ms() != deadline) reactor_->timers().Schedule(this, deadline);
}

void Connection::OnTimer() {
  auto self = shared_from_this();
  if (closed_) return;
  if (h2_ && !lingering_) {
    if (!out_.empty() && !writable_) {
      Close();  // a client that stopped reading
      return;
    }
    // Idle: say GOAWAY first, so a pooled client does not send a request into the close.
    h2_->Goaway();
    close_after_flush_ = true;
    AfterH2();
    return;
  }
  if (awaiting_) return;
  if (lingering_ || (!out_.empty() && !writable_) || !parser_.started()) {
    Close();  // linger over, stalled reader, or idle keep-alive
    return;
  }
  // Slow client: header or body timeout (RFC 9110 §15.5.9).
  Fail(408, parser_.headers_complete() ? "body timeout" : "header timeout");
  Flush();
  if (!closed_) UpdateTimer();
}

}  // namespace pinpipe::http
