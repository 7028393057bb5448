#include "kafka/executor.h"
#include "common/mutex.h"

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
    MutexLock lock(mu_);
    if (stop_) return false;
    ready_.push_back(std::move(task));
  }
  cv_.NotifyOne();
  return true;
}

bool Executor::PostAfter(int64_t delay_ms, Task task) {
  {
    MutexLock lock(mu_);
    if (stop_) return false;
    timed_.emplace(NowMs() + delay_ms, std::move(task));
  }
  cv_.NotifyAll();
  return true;
}

void Executor::Stop() {
  {
    MutexLock lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.NotifyAll();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void Executor::Loop() {
  UniqueMutexLock lock(mu_);
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
      cv_.Wait(mu_);
    } else {
      (void)cv_.WaitFor(mu_, std::chrono::milliseconds(timed_.begin()->first - now));
    }
  }
}

}  // namespace pinpipe::kafka
