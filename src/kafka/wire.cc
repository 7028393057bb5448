#include "kafka/wire.h"

#include <cstring>

#include "log/record_batch.h"

namespace pinpipe::kafka {

bool Reader::Need(size_t n) {
  if (failed_ || remaining() < n) {
    Fail();
    return false;
  }
  return true;
}

int8_t Reader::I8() {
  if (!Need(1)) return 0;
  return static_cast<int8_t>(*p_++);
}

int16_t Reader::I16() {
  if (!Need(2)) return 0;
  const int16_t v = log::ReadBigEndian16(p_);
  p_ += 2;
  return v;
}

int32_t Reader::I32() {
  if (!Need(4)) return 0;
  const int32_t v = log::ReadBigEndian32(p_);
  p_ += 4;
  return v;
}

int64_t Reader::I64() {
  if (!Need(8)) return 0;
  const int64_t v = log::ReadBigEndian64(p_);
  p_ += 8;
  return v;
}

uint32_t Reader::UVarint() {
  uint32_t v = 0;
  for (int shift = 0; shift <= 28; shift += 7) {
    if (!Need(1)) return 0;
    auto b = static_cast<uint8_t>(*p_++);
    if (shift == 28 && (b & 0xf0) != 0) break;  // more than 32 bits
    v |= static_cast<uint32_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  Fail();
  return 0;
}

std::optional<std::string_view> Reader::NullableString(bool flexible) {
  int64_t len;
  if (flexible) {
    len = static_cast<int64_t>(UVarint()) - 1;
  } else {
    len = I16();
  }
  if (failed_) return std::nullopt;
  if (len < 0) {
    if (len != -1) Fail();
    return std::nullopt;
  }
  if (!Need(static_cast<size_t>(len))) return std::nullopt;
  std::string_view s(p_, static_cast<size_t>(len));
  p_ += len;
  return s;
}

std::string_view Reader::String(bool flexible) {
  auto s = NullableString(flexible);
  if (!s) {
    Fail();
    return {};
  }
  return *s;
}

std::optional<std::string_view> Reader::Bytes(bool flexible) {
  int64_t len = flexible ? static_cast<int64_t>(UVarint()) - 1 : I32();
  if (failed_) return std::nullopt;
  if (len < 0) {
    if (len != -1) Fail();
    return std::nullopt;
  }
  if (!Need(static_cast<size_t>(len))) return std::nullopt;
  std::string_view s(p_, static_cast<size_t>(len));
  p_ += len;
  return s;
}

int32_t Reader::ArrayLength(bool flexible) {
  int64_t n = flexible ? static_cast<int64_t>(UVarint()) - 1 : I32();
  if (failed_) return 0;
  if (n < -1 || (n > 0 && static_cast<uint64_t>(n) > remaining())) {
    Fail();
    return 0;
  }
  return static_cast<int32_t>(n);
}

void Reader::SkipTaggedFields() {
  uint32_t count = UVarint();
  for (uint32_t i = 0; i < count && !failed_; ++i) {
    UVarint();  // tag
    uint32_t size = UVarint();
    if (!Need(size)) return;
    p_ += size;
  }
}

std::string_view Reader::Rest() {
  std::string_view s(p_, remaining());
  p_ = end_;
  return s;
}

void Writer::I16(int16_t v) {
  auto u = static_cast<uint16_t>(v);
  out_.push_back(static_cast<char>(u >> 8));
  out_.push_back(static_cast<char>(u));
}

void Writer::I32(int32_t v) {
  char b[4];
  log::WriteBigEndian32(b, v);
  out_.append(b, 4);
}

void Writer::I64(int64_t v) {
  char b[8];
  log::WriteBigEndian64(b, v);
  out_.append(b, 8);
}

void Writer::UVarint(uint32_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void Writer::String(std::string_view s, bool flexible) {
  if (flexible) {
    UVarint(static_cast<uint32_t>(s.size() + 1));
  } else {
    I16(static_cast<int16_t>(s.size()));
  }
  out_.append(s);
}

void Writer::NullableString(std::optional<std::string_view> s, bool flexible) {
  if (s) return String(*s, flexible);
  if (flexible) {
    UVarint(0);
  } else {
    I16(-1);
  }
}

void Writer::Bytes(std::optional<std::string_view> b, bool flexible) {
  if (!b) {
    if (flexible) {
      UVarint(0);
    } else {
      I32(-1);
    }
    return;
  }
  if (flexible) {
    UVarint(static_cast<uint32_t>(b->size() + 1));
  } else {
    I32(static_cast<int32_t>(b->size()));
  }
  out_.append(*b);
}

void Writer::ArrayLength(int32_t n, bool flexible) {
  if (flexible) {
    UVarint(static_cast<uint32_t>(n + 1));
  } else {
    I32(n);
  }
}

size_t Writer::ReserveI32() {
  size_t pos = out_.size();
  out_.append(4, '\0');
  return pos;
}

void Writer::PatchI32(size_t pos, int32_t v) {
  auto u = static_cast<uint32_t>(v);
  out_[pos] = static_cast<char>(u >> 24);
  out_[pos + 1] = static_cast<char>(u >> 16);
  out_[pos + 2] = static_cast<char>(u >> 8);
  out_[pos + 3] = static_cast<char>(u);
}

}  // namespace pinpipe::kafka
