// DirectAppender: writes a segment's appended bytes with O_DIRECT into space it has zero-filled
// ahead of the data, for group commit (flush=always). The commit's fdatasync then has no
// page-cache writeback to do and, because the file neither grows nor gains blocks, no inode to
// write: it is one data write plus one cache flush. On this VM's virtio disk a 3.6 KB commit
// costs 0.12 ms and ~40 us of CPU instead of 0.2 ms and ~70 us (src/log/README.md).
//
// So the file is longer than its data; the tail is zeros, which recovery recognises as free
// space (Segment::Recover), and Seal() cuts it when the segment is rolled or the log closed.
// Reads keep using the segment's buffered descriptor: the kernel drops cached pages a direct
// write overwrites, so a reader never sees stale bytes.
//
// Internal to src/log. One thread at a time (the partition's flusher lane).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/file_system.h"
#include "common/status.h"

namespace pinpipe::log {

class DirectAppender {
 public:
  // Opens `path` for direct writes after its first `end` bytes of data and proves that direct
  // writes work there by zero-filling one block. The zero-filled space grows in steps that
  // start at 64 KiB and double up to `max_chunk`, so idle partitions stay small. An error
  // (kInvalidArgument: no direct I/O on this file system) means: use buffered writes.
  static Result<std::unique_ptr<DirectAppender>> Open(FileSystem* fs, const std::string& path,
                                                      uint64_t end, uint64_t max_chunk);
  ~DirectAppender();

  uint64_t end() const { return end_; }
  // Appends `data` after the end. The block holding the previous end is rewritten with the
  // same bytes in front of the new ones (direct writes are whole blocks). Appends of 192 KiB
  // or more that do not fit the zero-filled space extend the file instead of filling it first.
  Status Append(std::string_view data);
  // Cuts the zero-filled space after the data (the file is then exactly its data).
  Status Seal();
  // Bytes of the appender's own staging buffer (at most StagingBuffers::kOwnBytes unless the
  // first block alone needs more; tests).
  size_t own_buffer_bytes() const { return capacity_; }

 private:
  DirectAppender(std::unique_ptr<File> file, uint64_t end, uint64_t allocated, uint64_t max_chunk);
  // Makes sure [.., up_to) is allocated and zero-filled, growing by the next step, and syncs
  // the new length so that commits do not carry it.
  Status Reserve(uint64_t up_to);
  Status WriteZeros(uint64_t from, uint64_t to);
  void Grow(size_t bytes);  // the staging buffer holds at least `bytes`

  std::unique_ptr<File> file_;
  uint64_t end_;        // bytes of data
  uint64_t allocated_;  // file length: data, then zeros
  uint64_t chunk_;  // the next zero-fill step
  uint64_t max_chunk_;
  // Aligned staging buffer: [partial block before end_ | new bytes | zero padding].
  char* buf_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace pinpipe::log
