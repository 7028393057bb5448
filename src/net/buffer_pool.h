// BufferPool: large byte strings kept for reuse, shared by every thread. An answer of several
// MiB built on a worker thread and freed on a reactor thread would otherwise go back to glibc's
// arena, be trimmed to the kernel, and be page-faulted (and zeroed) in again by the next answer:
// a quarter of a Kafka Fetch drain's CPU went there. Bounded: at most kMaxBuffers strings of
// kMinCapacity..kMaxCapacity bytes of capacity are kept; anything else is simply freed.
// One lock per buffer taken or given (per answer, never per record).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/mutex.h"

namespace pinpipe::net {

class BufferPool {
 public:
  static constexpr size_t kMinCapacity = 64 * 1024;
  static constexpr size_t kMaxCapacity = 8u << 20;
  static constexpr size_t kMaxBuffers = 8;

  // The process-wide pool.
  static BufferPool& Shared();

  // An empty string, with the capacity of a buffer given back earlier when there is one.
  std::string Take();
  // Keeps `s` (cleared) for a later Take when its capacity is worth keeping and there is room.
  void Give(std::string&& s);

  size_t size() const;  // buffers kept now (tests)

 private:
  mutable Mutex mu_;
  std::vector<std::string> free_ GUARDED_BY(mu_);
};

}  // namespace pinpipe::net
