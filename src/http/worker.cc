#include "http/worker.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "common/logging.h"
#include "common/rate_limited_log.h"
#include "http/connection.h"
#include "net/listener.h"

namespace pinpipe::http {

class Worker::InboxHandler final : public net::EventHandler, public net::QueuedWork {
 public:
  explicit InboxHandler(Worker* w) : w_(w) {}
  void OnEvents(uint32_t) override { Run(/*signaled=*/true); }
  bool HasWork() const override { return w_->inbox->HasItems(); }
  void RunWork() override { Run(/*signaled=*/false); }

 private:
  void Run(bool signaled) {
    w_->inbox->Drain(&w_->drained_, signaled);
    for (Completion& c : w_->drained_) c.conn->OnDelivery(std::move(c));
    w_->drained_.clear();  // keeps capacity for the next swap
  }

 private:
  Worker* w_;
};

namespace {
// One limiter for every worker: a flood of refused accepts is one story, told a few times.
LogRateLimiter& AcceptLogLimiter() {
  static LogRateLimiter limiter(3, 10'000);
  return limiter;
}
}  // namespace

Worker::Worker(const ServerOptions& options, const Router& router, Metrics::Shard& metrics,
               int unmatched_id, AcceptLimits& accept_limits)
    : options(options),
      router(router),
      metrics(metrics),
      unmatched_id(unmatched_id),
      accept_limits_(accept_limits) {
  limits.max_header_bytes = options.max_header_bytes;
  limits.max_body_bytes = options.max_body_bytes;
}

Worker::~Worker() {
  Stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  backoff_.reset();  // cancels its timer while the reactor is still there
}

Status Worker::Init(int listen_fd, int tick_ms) {
  listen_fd_ = listen_fd;
  PINPIPE_ASSIGN_OR_RETURN(reactor, net::Reactor::Create({tick_ms}));
  backoff_ = std::make_unique<net::ListenerBackoff>(*reactor, listen_fd_, this,
                                                    options.accept_backoff_ms);
  PINPIPE_ASSIGN_OR_RETURN(inbox, net::Inbox<Completion>::Create());
  inbox_handler_ = std::make_unique<InboxHandler>(this);
  inbox->SignalOnlyWhileAsleep(reactor->sleeping_flag());
  reactor->AddQueuedWork(inbox_handler_.get());
  PINPIPE_RETURN_IF_ERROR(reactor->Add(inbox->fd(), EPOLLIN, inbox_handler_.get()));
  PINPIPE_RETURN_IF_ERROR(reactor->Add(listen_fd_, EPOLLIN, this));
  return OkStatus();
}

void Worker::StartThread() {
  thread_ = std::thread([this] { reactor->Run(); });
}

void Worker::Stop() {
  if (!reactor) return;
  reactor->Stop();
  if (thread_.joinable()) thread_.join();
  // The loop is gone: finish the connections from this thread.
  while (!conns_.empty()) {
    auto c = conns_.back();
    c->Close();
  }
  if (inbox) inbox->Close();  // later Responder sends are dropped
}

void Worker::OnEvents(uint32_t) {
  // Level-triggered listener: accept a bounded batch, come back for the rest.
  for (int i = 0; i < 64 && !backoff_->paused(); ++i) {
    int fd = net::AcceptConnection(listen_fd_);
    if (fd < 0) {
      if (net::ListenerBackoff::OutOfDescriptors(errno)) {
        OnOutOfDescriptors();
        backoff_->RefusePendingAndPause();
      }
      return;
    }
    if (accept_limits_.open.fetch_add(1, std::memory_order_relaxed) >=
        accept_limits_.max_connections) {
      accept_limits_.open.fetch_sub(1, std::memory_order_relaxed);
      Refuse(fd);
      continue;
    }
    auto conn = std::make_shared<Connection>(this, fd);
    conn->index = conns_.size();
    conns_.push_back(conn);
    if (auto st = conn->Start(); !st) {
      spdlog::warn("http: {}", st.error().ToString());
      conn->Close();
    }
  }
}

void Worker::Refuse(int fd) {
  accept_limits_.refused.fetch_add(1, std::memory_order_relaxed);
  LogRateLimited(AcceptLogLimiter(), spdlog::level::warn,
                 "http: refusing connections: {} open, the limit is {} (http.max_connections)",
                 accept_limits_.open.load(std::memory_order_relaxed),
                 accept_limits_.max_connections);
  static constexpr char kBusy[] =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Connection: close\r\nContent-Length: 66\r\n\r\n"
      "{\"error_code\":50301,\"message\":\"too many connections; retry later\"}";
  // A fresh socket's send buffer takes this whole; if not, the client just sees the close.
  (void)!::send(fd, kBusy, sizeof kBusy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
  ::close(fd);
}

void Worker::OnOutOfDescriptors() {
  accept_limits_.fd_errors.fetch_add(1, std::memory_order_relaxed);
  LogRateLimited(AcceptLogLimiter(), spdlog::level::warn,
                 "http: accept: out of file descriptors ({} connections open); pausing "
                 "accepts for {} ms",
                 accept_limits_.open.load(std::memory_order_relaxed), options.accept_backoff_ms);
}

void Worker::RemoveConnection(Connection* c) {
  size_t i = c->index;
  if (i >= conns_.size() || conns_[i].get() != c) return;
  accept_limits_.open.fetch_sub(1, std::memory_order_relaxed);
  if (i + 1 != conns_.size()) {
    conns_[i] = std::move(conns_.back());
    conns_[i]->index = i;
  }
  conns_.pop_back();
}

}  // namespace pinpipe::http
