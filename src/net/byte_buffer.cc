#include "net/byte_buffer.h"

#include <algorithm>
#include <cstring>

namespace pinpipe::net {

void ByteBuffer::Consume(size_t n) {
  begin_ += std::min(n, size());
  if (begin_ == end_) begin_ = end_ = 0;
}

char* ByteBuffer::PrepareWrite(size_t n) {
  if (cap_ - end_ >= n) return data_.get() + end_;
  const size_t used = size();
  if (begin_ > 0 && cap_ - used >= n && begin_ >= used) {
    // Cheap compaction: the live bytes are few compared to the dead prefix.
    std::memmove(data_.get(), data_.get() + begin_, used);
    begin_ = 0;
    end_ = used;
    return data_.get() + end_;
  }
  size_t cap = std::max<size_t>(cap_ * 2, 4096);
  while (cap < used + n) cap *= 2;
  std::unique_ptr<char[]> grown(new char[cap]);
  if (used) std::memcpy(grown.get(), data_.get() + begin_, used);
  data_ = std::move(grown);
  cap_ = cap;
  begin_ = 0;
  end_ = used;
  return data_.get() + end_;
}

void ByteBuffer::Append(std::string_view s) {
  if (s.empty()) return;
  std::memcpy(PrepareWrite(s.size()), s.data(), s.size());
  end_ += s.size();
}

void ByteBuffer::ShrinkIfEmpty(size_t keep) {
  if (!empty() || cap_ <= keep) return;
  data_.reset();
  cap_ = begin_ = end_ = 0;
}

}  // namespace pinpipe::net
