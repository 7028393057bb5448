#include "net/reactor.h"

#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "common/logging.h"

namespace pinpipe::net {
namespace {
thread_local Reactor* tls_current = nullptr;
}  // namespace

class Reactor::PostHandler final : public EventHandler, public QueuedWork {
 public:
  explicit PostHandler(Reactor* r) : r_(r) {}
  void OnEvents(uint32_t) override { Run(/*signaled=*/true); }
  bool HasWork() const override { return r_->posts_->HasItems(); }
  void RunWork() override { Run(/*signaled=*/false); }

 private:
  void Run(bool signaled) {
    r_->posts_->Drain(&r_->drained_, signaled);
    for (auto& fn : r_->drained_) fn();
    r_->drained_.clear();
  }

 private:
  Reactor* r_;
};

uint64_t Reactor::CoarseNowMs() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

Result<std::unique_ptr<Reactor>> Reactor::Create(ReactorOptions options) {
  std::unique_ptr<Reactor> r(new Reactor());
  r->epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (r->epfd_ < 0) return ErrnoError("epoll_create1", "", errno);
  r->now_ms_ = CoarseNowMs();
  r->idle_sleep_ms_ = options.idle_sleep_ms;
  r->timers_ = std::make_unique<TimerWheel>(options.tick_ms > 0 ? options.tick_ms : 1, r->now_ms_);
  PINPIPE_ASSIGN_OR_RETURN(r->posts_, (Inbox<std::function<void()>>::Create()));
  r->post_handler_ = std::make_unique<PostHandler>(r.get());
  r->posts_->SignalOnlyWhileAsleep(r->sleeping_);
  r->AddQueuedWork(r->post_handler_.get());
  PINPIPE_RETURN_IF_ERROR(r->Add(r->posts_->fd(), EPOLLIN, r->post_handler_.get()));
  return r;
}

Reactor::~Reactor() {
  if (posts_) posts_->Close();
  if (epfd_ >= 0) ::close(epfd_);
}

Status Reactor::Add(int fd, uint32_t events, EventHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) return ErrnoError("epoll_ctl add", "", errno);
  return OkStatus();
}

Status Reactor::Modify(int fd, uint32_t events, EventHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  if (::epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) != 0) return ErrnoError("epoll_ctl mod", "", errno);
  return OkStatus();
}

void Reactor::Remove(int fd) { ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr); }

void Reactor::Run() {
  tls_current = this;
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  const int tick = static_cast<int>(timers_->tick_ms());
  while (!stop_.load(std::memory_order_acquire)) {
    // Announce the sleep before looking at the queues: a producer that pushes after this
    // look sees the flag and signals (the fences pair with Inbox::Push).
    sleeping_->store(true, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    bool queued = false;
    for (QueuedWork* w : queued_work_) queued = queued || w->HasWork();
    int n = ::epoll_wait(epfd_, events, kMaxEvents, queued ? 0 : timers_->size() ? tick : idle_sleep_ms_);
    sleeping_->store(false, std::memory_order_relaxed);
    if (n < 0 && errno != EINTR) {
      spdlog::error("epoll_wait: errno {}", errno);
      break;
    }
    now_ms_ = CoarseNowMs();
    for (int i = 0; i < n; ++i) {
      static_cast<EventHandler*>(events[i].data.ptr)->OnEvents(events[i].events);
    }
    for (QueuedWork* w : queued_work_) {
      if (w->HasWork()) w->RunWork();
    }
    timers_->Advance(now_ms_);
  }
  tls_current = nullptr;
}

void Reactor::Stop() {
  stop_.store(true, std::memory_order_release);
  posts_->Push([] {});  // wake the loop
}

bool Reactor::Post(std::function<void()> fn) { return posts_->Push(std::move(fn)); }

bool Reactor::InLoopThread() const { return tls_current == this; }

Reactor* Reactor::Current() { return tls_current; }

}  // namespace pinpipe::net
