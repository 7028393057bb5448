// ByteBuffer: a growable byte array with a read offset, reused across requests so the hot
// path does not allocate. Unlike std::string, growing it does not zero-fill the new tail.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

namespace pinpipe::net {

class ByteBuffer {
 public:
  ByteBuffer() = default;
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;

  // Readable bytes [begin, end).
  const char* data() const { return data_.get() + begin_; }
  char* data() { return data_.get() + begin_; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return end_ == begin_; }
  std::string_view view() const { return {data(), size()}; }
  size_t capacity() const { return cap_; }

  // Drops n readable bytes from the front; resets to offset 0 when it becomes empty.
  void Consume(size_t n);
  void Clear() { begin_ = end_ = 0; }

  // Writable tail with room for at least n bytes (compacts or grows; invalidates pointers).
  char* PrepareWrite(size_t n);
  size_t tail_room() const { return cap_ - end_; }
  void CommitWrite(size_t n) { end_ += n; }

  void Append(std::string_view s);
  void Append(char c) { *PrepareWrite(1) = c; CommitWrite(1); }

  // Frees memory above `keep` bytes of capacity when empty (after a huge request).
  void ShrinkIfEmpty(size_t keep);

 private:
  std::unique_ptr<char[]> data_;
  size_t cap_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace pinpipe::net
