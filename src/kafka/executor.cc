#include "kafka/executor.h"

#include <chrono>

namespace pinpipe::kafka {
namespace {
int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

Executor::Executor(size_t threads) {
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

Executor::~Executor() { Stop(); }

bool Executor::Post(Task task) {
  {
    std::lock_guard lock(mu_);
    if (stop_) return false;
    ready_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

bool Executor::PostAfter(int64_t delay_ms, Task task) {
  {
    std::lock_guard lock(mu_);
    if (stop_) return false;
    timed_.emplace(NowMs() + delay_ms, std::move(task));
  }
  cv_.notify_all();
  return true;
}

void Executor::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void Executor::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    int64_t now = NowMs();
    while (!timed_.empty() && (stop_ || timed_.begin()->first <= now)) {
      ready_.push_back(std::move(timed_.begin()->second));
      timed_.erase(timed_.begin());
    }
    if (!ready_.empty()) {
      Task t = std::move(ready_.front());
      ready_.pop_front();
      lock.unlock();
      t();
      lock.lock();
      continue;
    }
    if (stop_) return;
    if (timed_.empty()) {
      cv_.wait(lock);
    } else {
      cv_.wait_for(lock, std::chrono::milliseconds(timed_.begin()->first - now));
    }
  }
}

}  // namespace pinpipe::kafka
