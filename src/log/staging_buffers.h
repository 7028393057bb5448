// StagingBuffers: the large aligned buffers that big direct-I/O commits stage their bytes in,
// shared by every partition. A DirectAppender keeps a buffer of its own only up to
// kOwnBytes (what ordinary commits need); a larger commit borrows one of these and gives it
// back. Before, each appender kept a buffer as large as its largest commit ever, and each
// partition's group-commit write buffer grew the same way: after librdkafka bursts (1 MB
// batches, up to a million requests in flight by default) into 48 partitions the durable
// broker of bench/kafka.bench.sh held 627 MB in those two. At most kMaxKept buffers of at most
// kMaxKeptBytes are kept; others are freed when given back. One lock per large commit.
//
// Internal to src/log.
#pragma once

#include <cstddef>
#include <vector>

#include "common/mutex.h"

namespace pinpipe::log {

class StagingBuffers {
 public:
  static constexpr size_t kOwnBytes = 256u << 10;   // an appender's own buffer, at most
  static constexpr size_t kMaxKept = 4;
  static constexpr size_t kMaxKeptBytes = 32u << 20;

  struct Buffer {
    char* data = nullptr;
    size_t capacity = 0;
  };

  static StagingBuffers& Shared();

  // A buffer aligned for direct I/O with at least `bytes` of capacity (a kept one if it is
  // large enough).
  Buffer Take(size_t bytes);
  void Give(Buffer b);

  size_t kept() const;  // tests

  // An aligned buffer of at least `bytes` (a multiple of the alignment), for any staging use.
  static Buffer Allocate(size_t bytes);
  static void Free(Buffer b);

 private:
  mutable Mutex mu_;
  std::vector<Buffer> kept_ GUARDED_BY(mu_);
};

}  // namespace pinpipe::log
