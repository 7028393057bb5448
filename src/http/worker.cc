#include "http/worker.h"

#include <unistd.h>

#include <cerrno>

#include "common/logging.h"
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
    for (Completion& c : w_->drained_) c.conn->OnCompletion(std::move(c.response));
    w_->drained_.clear();  // keeps capacity for the next swap
  }

 private:
  Worker* w_;
};

Worker::Worker(const ServerOptions& options, const Router& router, Metrics::Shard& metrics,
               int unmatched_id)
    : options(options), router(router), metrics(metrics), unmatched_id(unmatched_id) {
  limits.max_header_bytes = options.max_header_bytes;
  limits.max_body_bytes = options.max_body_bytes;
}

Worker::~Worker() {
  Stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

Status Worker::Init(int listen_fd, int tick_ms) {
  listen_fd_ = listen_fd;
  PINPIPE_ASSIGN_OR_RETURN(reactor, net::Reactor::Create({tick_ms}));
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
  for (int i = 0; i < 64; ++i) {
    int fd = net::AcceptConnection(listen_fd_);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        spdlog::warn("http: accept: out of file descriptors");
      }
      return;
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

void Worker::RemoveConnection(Connection* c) {
  size_t i = c->index;
  if (i >= conns_.size() || conns_[i].get() != c) return;
  if (i + 1 != conns_.size()) {
    conns_[i] = std::move(conns_.back());
    conns_[i]->index = i;
  }
  conns_.pop_back();
}

}  // namespace pinpipe::http
