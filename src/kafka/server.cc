#include "kafka/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <deque>

#include "common/logging.h"
#include "common/rate_limited_log.h"
#include "kafka/api_versions.h"
#include "kafka/sasl_session.h"
#include "net/byte_buffer.h"
#include "net/listener.h"
#include "net/listener_backoff.h"
#include "net/reactor.h"
#include "net/send_queue.h"
#include "net/tls.h"

namespace pinpipe::kafka {
namespace {

std::string PeerHost(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, buf, sizeof buf);
  } else if (ss.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, buf, sizeof buf);
  }
  return "/" + std::string(buf);
}

LogRateLimiter& CloseLog() {
  static LogRateLimiter limiter;
  return limiter;
}

constexpr size_t kSaslMaxReceiveBytes = 524288;  // Kafka's sasl.server.max.receive.size default

LogRateLimiter& AuthLog() {
  static LogRateLimiter limiter;
  return limiter;
}

LogRateLimiter& AcceptLogLimiter() {
  static LogRateLimiter limiter(3, 10'000);
  return limiter;
}

// Out of descriptors, the listener leaves epoll this long (the HTTP server's default too).
constexpr int kAcceptPauseMs = 100;

}  // namespace

class KafkaServer::Connection final : public net::EventHandler,
                                      public std::enable_shared_from_this<Connection> {
 public:
  Connection(KafkaServer& server, int fd) : server_(server), fd_(fd), host_(PeerHost(fd)) {
    if (server_.sasl_users_) sasl_ = std::make_unique<SaslSession>(server_.sasl_users_);
    if (server_.tls_) tls_ = net::TlsStream::Accept(server_.tls_, fd);  // null: closed on first event
    KafkaMetrics& m = server_.broker_.metrics();
    m.connections_accepted.fetch_add(1, std::memory_order_relaxed);
    m.connections_open.fetch_add(1, std::memory_order_relaxed);
  }
  ~Connection() override {
    if (fd_ >= 0) ::close(fd_);
    server_.broker_.metrics().connections_open.fetch_sub(1, std::memory_order_relaxed);
  }

  void OnEvents(uint32_t events) override {
    auto self = shared_from_this();  // Close() may drop the server's reference
    if (server_.tls_ && !tls_) return Close("TLS session could not be created");
    // TLS may need the other direction: a read that writes a handshake record, a write that
    // waits for one.
    const bool tls_read = tls_ && tls_->read_wants_write() && (events & EPOLLOUT);
    const bool tls_write = tls_ && tls_->write_wants_read() && (events & EPOLLIN);
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) || tls_read) ReadAll();
    if (closed_) return;
    if ((events & EPOLLOUT) || tls_write) Flush();
  }

  // Reactor thread: the answer to request `seq` (its frame header and body pieces, or none).
  void Complete(uint64_t seq, ReplyKind kind, std::vector<std::string> framed) {
    if (closed_ || seq < first_seq_) return;
    Slot& s = slots_[seq - first_seq_];
    s.ready = true;
    s.kind = kind;
    s.pieces = std::move(framed);
    while (!slots_.empty() && slots_.front().ready) {
      Slot& front = slots_.front();
      if (front.kind == ReplyKind::kClose) return Close("malformed request");
      if (front.kind == ReplyKind::kBody) {
        for (std::string& piece : front.pieces) out_.Push(std::move(piece));
      }
      slots_.pop_front();
      ++first_seq_;
    }
    if (muted_ && seq == muted_seq_) muted_ = false;
    Flush();
    // An answer given inside Process (an inline handler) returns to its loop; only an answer
    // from elsewhere resumes reading buffered requests.
    if (!closed_ && !muted_ && !processing_) Process();
  }

  void Close(const char* why) {
    if (closed_) return;
    closed_ = true;
    if (why) LogRateLimited(CloseLog(), spdlog::level::info, "kafka: closing the connection from {}: {}", host_, why);
    server_.reactor_->Remove(fd_);
    ::close(fd_);
    fd_ = -1;
    server_.Forget(fd_key_);
  }

  void set_key(int fd) { fd_key_ = fd; }

 private:
  struct Slot {
    bool ready = false;
    ReplyKind kind = ReplyKind::kNothing;
    std::vector<std::string> pieces;
  };

  void ReadAll() {
    for (;;) {
      char* p = in_.PrepareWrite(64 * 1024);
      ssize_t n = tls_ ? tls_->Read(p, in_.tail_room()) : ::read(fd_, p, in_.tail_room());
      if (n > 0) {
        in_.CommitWrite(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0 && errno == EPROTO && tls_) {
        const std::string why = "TLS: " + tls_->error();
        return Close(why.c_str());
      }
      return Close(nullptr);  // EOF or error
    }
    if (tls_) Flush();  // watch EPOLLOUT while the handshake must write
    if (closed_) return;
    Process();
  }

  void Process() {
    processing_ = true;
    ProcessFrames();
    processing_ = false;
  }

  void ProcessFrames() {
    Broker& broker = server_.broker_;
    while (!closed_ && !muted_ && !close_after_flush_) {
      std::string_view frame;
      size_t consumed = 0;
      // Before authentication Kafka takes frames up to sasl.server.max.receive.size (512 KiB)
      // only: an unauthenticated client cannot make the broker buffer 100 MB.
      const bool unauthenticated = sasl_ && !sasl_->authenticated();
      const size_t max_bytes = unauthenticated ? std::min(kSaslMaxReceiveBytes, broker.options().socket_request_max_bytes)
                                               : broker.options().socket_request_max_bytes;
      switch (NextFrame(in_.view(), max_bytes, &frame, &consumed)) {
        case FrameStatus::kNeedMore:
          in_.ShrinkIfEmpty(1 << 20);
          return;
        case FrameStatus::kTooLarge:
          return Close(unauthenticated ? "request before SASL authentication larger than sasl.server.max.receive.size"
                                       : "request larger than socket.request.max.bytes");
        case FrameStatus::kInvalidSize:
          return Close("negative frame size");
        case FrameStatus::kFrame:
          break;
      }
      const auto arrived = std::chrono::steady_clock::now();
      broker.metrics().bytes_in.fetch_add(consumed, std::memory_order_relaxed);
      if (sasl_ && sasl_->raw_tokens()) {
        if (!RawSaslToken(frame)) return;
        in_.Consume(consumed);
        continue;
      }
      auto req = std::make_shared<Request>();
      req->frame.assign(frame);
      in_.Consume(consumed);
      Reader r(req->frame);
      if (!ParseRequestHeader(r, &req->header)) return Close("malformed request header");
      req->body = r.Rest();
      req->client_host = host_;
      const RequestHeader& h = req->header;
      const ApiRange* api = FindApi(h.api_key);
      if (api == nullptr) return Close("unknown API key");
      // Before authentication a SASL listener takes only these three (Kafka's broker closes
      // the connection on anything else).
      if (sasl_ && !sasl_->authenticated() && h.api_key != kApiVersions && h.api_key != kSaslHandshake &&
          h.api_key != kSaslAuthenticate) {
        return Close("request before SASL authentication");
      }
      const uint64_t seq = next_seq_++;
      slots_.emplace_back();
      Reply reply(MakeReplyFn(seq, h, arrived));
      if (h.api_version < api->min_version || h.api_version > api->max_version) {
        if (h.api_key != kApiVersions) {
          slots_.pop_back();
          --next_seq_;
          return Close("unsupported API version");
        }
        reply.Send(UnsupportedApiVersionsBody());
        continue;
      }
      if (h.api_key == kSaslHandshake || h.api_key == kSaslAuthenticate) {
        if (!Sasl(*req, reply)) return;
        continue;
      }
      if (Broker::IsBlocking(h.api_key)) {
        muted_ = true;
        muted_seq_ = seq;
        bool posted = broker.executor().Post([&broker, req, reply = std::move(reply)]() mutable {
          broker.Handle(*req, std::move(reply));
        });
        if (!posted) return Close("shutting down");
        return;
      }
      broker.Handle(*req, std::move(reply));
    }
  }

  // SaslHandshake / SaslAuthenticate: they change this connection's state, so the connection
  // answers them itself. False when processing stops (closed, or closing once answered).
  bool Sasl(Request& req, Reply& reply) {
    if (!sasl_) {
      Close("SASL request on a listener without SASL");
      return false;
    }
    const RequestHeader& h = req.header;
    SaslSession::Answer a = h.api_key == kSaslHandshake ? sasl_->Handshake(h.api_version, req.body)
                                                        : sasl_->Authenticate(h.api_version, h.flexible, req.body);
    if (a.close_now) {
      Close(a.log.c_str());
      return false;
    }
    if (a.close_after) {
      LogRateLimited(AuthLog(), spdlog::level::warn, "kafka: SASL authentication from {} failed: {}", host_, a.log);
      close_after_flush_ = true;  // before Send: its Flush closes once the answer is out
    }
    reply.Send(std::move(a.body));
    return !close_after_flush_;
  }

  // A bare token after a SaslHandshake v0: answered with a bare size-prefixed token.
  bool RawSaslToken(std::string_view token) {
    SaslSession::Answer a = sasl_->RawToken(token);
    if (a.close_now) {
      LogRateLimited(AuthLog(), spdlog::level::warn, "kafka: SASL authentication from {} failed: {}", host_, a.log);
      Close(nullptr);
      return false;
    }
    // Only ApiVersions may precede this, answered inline: no answer is pending, so this one
    // cannot overtake another.
    char size[4];
    const uint32_t n = static_cast<uint32_t>(a.body.size());
    size[0] = static_cast<char>(n >> 24);
    size[1] = static_cast<char>(n >> 16);
    size[2] = static_cast<char>(n >> 8);
    size[3] = static_cast<char>(n);
    out_.Push(std::string_view(size, 4));
    out_.Push(std::move(a.body));
    Flush();
    return !closed_;
  }

  Reply::Fn MakeReplyFn(uint64_t seq, const RequestHeader& h, std::chrono::steady_clock::time_point arrived) {
    std::weak_ptr<Connection> weak = weak_from_this();
    std::shared_ptr<net::Reactor> reactor = server_.reactor_;
    // The broker outlives its listener's connections and their pending replies.
    KafkaMetrics* metrics = &server_.broker_.metrics();
    return [weak, reactor, seq, corr = h.correlation_id, flex = FlexibleResponseHeader(h), api = h.api_key,
            version = h.api_version, arrived, metrics](ReplyKind kind, ResponseBody body) {
      // The frame header is a piece of its own: the body's pieces are sent where they are.
      std::vector<std::string> framed;
      if (kind == ReplyKind::kBody) {
        framed.reserve(body.pieces.size() + 1);
        std::string& header = framed.emplace_back();
        size_t start = BeginResponse(header, corr, flex);
        FinishResponse(header, start, body.size());
        metrics->bytes_out.fetch_add(header.size() + body.size(), std::memory_order_relaxed);
        for (std::string& piece : body.pieces) framed.push_back(std::move(piece));
      }
      const auto elapsed = std::chrono::steady_clock::now() - arrived;
      metrics->Observe(api, static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()),
                       kind == ReplyKind::kClose);
      metrics->CountVersion(api, version);
      if (reactor->InLoopThread()) {
        if (auto c = weak.lock()) c->Complete(seq, kind, std::move(framed));
        return;
      }
      reactor->Post([weak, seq, kind, framed = std::move(framed)]() mutable {
        if (auto c = weak.lock()) c->Complete(seq, kind, std::move(framed));
      });
    };
  }

  void Flush() {
    const net::SendQueue::FlushResult sent =
        tls_ ? out_.FlushWith([this](const char* p, size_t n) { return tls_->Write(p, n); })
             : out_.Flush(fd_);
    if (sent == net::SendQueue::FlushResult::kError) return Close(nullptr);
    if (sent == net::SendQueue::FlushResult::kDone && close_after_flush_) return Close(nullptr);
    const bool want_out = !out_.empty() || (tls_ && tls_->read_wants_write());
    if (want_out != watching_out_) {
      watching_out_ = want_out;
      (void)server_.reactor_->Modify(fd_, EPOLLIN | EPOLLRDHUP | (want_out ? static_cast<uint32_t>(EPOLLOUT) : 0u), this);
    }
  }

  KafkaServer& server_;
  int fd_;
  int fd_key_ = -1;
  std::string host_;
  net::ByteBuffer in_;
  net::SendQueue out_;
  bool watching_out_ = false;
  std::deque<Slot> slots_;
  uint64_t first_seq_ = 0, next_seq_ = 0;
  bool muted_ = false;
  uint64_t muted_seq_ = 0;
  bool closed_ = false;
  bool processing_ = false;
  std::unique_ptr<SaslSession> sasl_;  // SASL listeners only
  std::unique_ptr<net::TlsStream> tls_;  // TLS listeners only: one branch per read and write
  bool close_after_flush_ = false;     // a failed authentication: close once answered
};

class KafkaServer::Acceptor final : public net::EventHandler {
 public:
  explicit Acceptor(KafkaServer& s) : s_(s) {}
  void OnEvents(uint32_t) override { s_.Accept(); }

 private:
  KafkaServer& s_;
};

Result<std::unique_ptr<KafkaServer>> KafkaServer::Start(Broker& broker) {
  std::unique_ptr<KafkaServer> s(new KafkaServer(broker));
  PINPIPE_ASSIGN_OR_RETURN(auto reactor, net::Reactor::Create());
  s->reactor_ = std::move(reactor);
  auto fd = net::OpenListener(broker.options().bind, broker.options().port, false);
  if (!fd) {
    return std::unexpected(Error(fd.error().code(), "kafka listener on " + broker.options().bind + ":" +
                                                        std::to_string(broker.options().port) + ": " +
                                                        fd.error().message()));
  }
  if (broker.options().tls) {
    auto tls = net::TlsContext::Server(broker.options().tls_cert_file, broker.options().tls_key_file);
    if (!tls) {
      ::close(*fd);
      return MakeError(ErrorCode::kInvalidArgument, "kafka.listener_tls_cert_file / kafka.listener_tls_key_file: " +
                                                        tls.error().message());
    }
    s->tls_ = std::move(*tls);
  }
  if (broker.options().sasl) {
    std::vector<SaslMechanism> mechanisms;
    for (const std::string& name : broker.options().sasl_mechanisms) {
      auto m = ParseSaslMechanism(name);
      if (!m) {
        ::close(*fd);
        return MakeError(ErrorCode::kInvalidArgument, "kafka.listener_sasl_mechanisms: unknown mechanism '" + name + "'");
      }
      mechanisms.push_back(*m);
    }
    auto users = SaslUsers::Parse(broker.options().sasl_users, std::move(mechanisms));
    if (!users) {
      ::close(*fd);
      return MakeError(ErrorCode::kInvalidArgument, "kafka.listener_sasl_users: " + users.error().message());
    }
    s->sasl_users_ = std::move(*users);
  }
  s->listen_fd_ = *fd;
  PINPIPE_ASSIGN_OR_RETURN(s->port_, net::LocalPort(s->listen_fd_));
  broker.set_port(s->port_);
  s->acceptor_ = std::make_unique<Acceptor>(*s);
  if (Status st = s->reactor_->Add(s->listen_fd_, EPOLLIN, s->acceptor_.get()); !st) {
    ::close(s->listen_fd_);
    return std::unexpected(st.error());
  }
  s->backoff_ = std::make_unique<net::ListenerBackoff>(*s->reactor_, s->listen_fd_,
                                                       s->acceptor_.get(), kAcceptPauseMs);
  s->thread_ = std::thread([r = s->reactor_] { r->Run(); });
  return s;
}

KafkaServer::KafkaServer(Broker& broker) : broker_(broker) {}

KafkaServer::~KafkaServer() { Stop(); }

void KafkaServer::Accept() {
  while (backoff_ && !backoff_->paused()) {  // null once Stop() closed the listener
    int fd = net::AcceptConnection(listen_fd_);
    if (fd < 0) {
      // Out of descriptors the listener stays readable: without the backoff the loop spun.
      if (net::ListenerBackoff::OutOfDescriptors(errno)) {
        const int refused = backoff_->RefusePendingAndPause();
        broker_.metrics().connections_refused.fetch_add(static_cast<uint64_t>(refused),
                                                         std::memory_order_relaxed);
        LogRateLimited(AcceptLogLimiter(), spdlog::level::warn,
                       "kafka: accept: out of file descriptors ({} connections open); pausing "
                       "accepts for {} ms", connections_.size(), kAcceptPauseMs);
      }
      return;
    }
    auto conn = std::make_shared<Connection>(*this, fd);
    conn->set_key(fd);
    if (!reactor_->Add(fd, EPOLLIN | EPOLLRDHUP, conn.get())) continue;  // closes via ~Connection
    connections_[fd] = std::move(conn);
  }
}

void KafkaServer::Forget(int fd) {
  // Destroy later: the connection may be on the stack of its own OnEvents.
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  std::shared_ptr<Connection> keep = std::move(it->second);
  connections_.erase(it);
  reactor_->Post([keep = std::move(keep)] {});
}

void KafkaServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (reactor_) {
    reactor_->Post([this] {
      std::vector<std::shared_ptr<Connection>> all;
      for (auto& [fd, c] : connections_) all.push_back(c);
      for (auto& c : all) c->Close(nullptr);
      backoff_.reset();  // its timer, on this loop
      if (listen_fd_ >= 0) {
        reactor_->Remove(listen_fd_);
        ::close(listen_fd_);
        listen_fd_ = -1;
      }
      reactor_->Stop();
    });
  }
  if (thread_.joinable()) thread_.join();
  backoff_.reset();  // when the loop never ran
  connections_.clear();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
}

}  // namespace pinpipe::kafka
