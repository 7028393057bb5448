#include "log/staging_buffers.h"

#include <cstdlib>

#include "common/file_system.h"

namespace pinpipe::log {

StagingBuffers& StagingBuffers::Shared() {
  static StagingBuffers* buffers = new StagingBuffers();  // never destroyed: lanes may give at exit
  return *buffers;
}

StagingBuffers::Buffer StagingBuffers::Allocate(size_t bytes) {
  const size_t cap = (bytes + kDirectIoAlignment - 1) / kDirectIoAlignment * kDirectIoAlignment;
  return {static_cast<char*>(std::aligned_alloc(kDirectIoAlignment, cap)), cap};
}

void StagingBuffers::Free(Buffer b) { std::free(b.data); }

StagingBuffers::Buffer StagingBuffers::Take(size_t bytes) {
  {
    MutexLock lock(mu_);
    for (size_t i = 0; i < kept_.size(); ++i) {
      if (kept_[i].capacity >= bytes) {
        Buffer b = kept_[i];
        kept_[i] = kept_.back();
        kept_.pop_back();
        return b;
      }
    }
  }
  return Allocate(bytes);
}

void StagingBuffers::Give(Buffer b) {
  if (b.data == nullptr) return;
  if (b.capacity <= kMaxKeptBytes) {
    MutexLock lock(mu_);
    if (kept_.size() < kMaxKept) {
      kept_.push_back(b);
      return;
    }
    // Full: keep the larger of the two, so a big commit after small ones finds room.
    for (Buffer& k : kept_) {
      if (k.capacity < b.capacity) std::swap(k, b);
    }
  }
  Free(b);
}

size_t StagingBuffers::kept() const {
  MutexLock lock(mu_);
  return kept_.size();
}

}  // namespace pinpipe::log
