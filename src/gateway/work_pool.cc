#include "gateway/work_pool.h"
#include "common/mutex.h"

namespace pinpipe::gateway {

WorkPool::WorkPool(size_t threads, size_t max_queued) : max_queued_(max_queued) {
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

WorkPool::~WorkPool() { Stop(); }

bool WorkPool::Post(Task task) {
  {
    MutexLock lock(mu_);
    if (stop_ || tasks_.size() >= max_queued_) return false;
    tasks_.push_back(std::move(task));
  }
  cv_.NotifyOne();
  return true;
}

void WorkPool::Stop() {
  {
    MutexLock lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.NotifyAll();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

size_t WorkPool::queued() const {
  MutexLock lock(mu_);
  return tasks_.size();
}

void WorkPool::Loop() {
  UniqueMutexLock lock(mu_);
  for (;;) {
    while (!stop_ && tasks_.empty()) cv_.Wait(mu_);
    if (tasks_.empty()) return;  // stopped and drained
    Task task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    task = nullptr;  // destroy (and answer, if it still holds a Responder) outside the lock
    lock.lock();
  }
}

}  // namespace pinpipe::gateway
