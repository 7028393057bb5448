#include "net/buffer_pool.h"

#include <utility>

namespace pinpipe::net {

BufferPool& BufferPool::Shared() {
  static BufferPool* pool = new BufferPool();  // never destroyed: threads may give at exit
  return *pool;
}

std::string BufferPool::Take() {
  MutexLock lock(mu_);
  if (free_.empty()) return {};
  std::string s = std::move(free_.back());
  free_.pop_back();
  return s;
}

void BufferPool::Give(std::string&& s) {
  if (s.capacity() < kMinCapacity || s.capacity() > kMaxCapacity) return;
  s.clear();
  MutexLock lock(mu_);
  if (free_.size() < kMaxBuffers) free_.push_back(std::move(s));
}

size_t BufferPool::size() const {
  MutexLock lock(mu_);
  return free_.size();
}

}  // namespace pinpipe::net
