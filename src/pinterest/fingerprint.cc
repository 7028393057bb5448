#include "pinterest/fingerprint.h"

#include <bit>

namespace pinpipe::pinterest {

namespace {
uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
uint64_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The last n < 16 bytes of a string as two little-endian words, zero-padded — the same words
// as copying them into a zeroed 16-byte buffer, without that variable-length copy (a libc
// call per string, a good share of hashing rows of short strings). Overlapping fixed-size
// loads stay inside [p, p + n).
void LoadTail(const char* p, size_t n, uint64_t* w0, uint64_t* w1) {
  if constexpr (std::endian::native != std::endian::little) {
    char tail[16] = {};
    std::memcpy(tail, p, n);
    *w0 = Load64(tail);
    *w1 = Load64(tail + 8);
    return;
  }
  if (n >= 8) {
    *w0 = Load64(p);
    *w1 = n > 8 ? Load64(p + n - 8) >> (8 * (16 - n)) : 0;
  } else if (n >= 4) {
    *w0 = Load32(p) | (Load32(p + n - 4) >> (8 * (8 - n))) << 32;
    *w1 = 0;
  } else {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
    *w0 = v;
    *w1 = 0;
  }
}
}  // namespace

void RowHasher::AddString(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t a = a_, b = b_;
  while (n >= 16) {
    const uint64_t w0 = Load64(p), w1 = Load64(p + 8);
    a = Mum(a ^ w0 ^ 0x1d8e4e27c47d124full, w1 ^ 0xa4093822299f31d0ull);
    b = Mum(b ^ w1 ^ 0x082efa98ec4e6c89ull, w0 ^ 0x452821e638d01377ull);
    p += 16;
    n -= 16;
  }
  uint64_t w0, w1;
  LoadTail(p, n, &w0, &w1);
  a = Mum(a ^ w0 ^ 0xbe5466cf34e90c6cull, w1 ^ 0xc0ac29b7c97c50ddull);
  b = Mum(b ^ w1 ^ 0x3f84d5b5b5470917ull, w0 ^ 0x9216d5d98979fb1bull);
  a_ = a;
  b_ = b;
  Mix(s.size(), 4);
}

Fingerprint RowHasher::Finish() const {
  // Final avalanche so that nearby inputs spread over both words.
  uint64_t lo = Mum(a_ ^ 0xd1310ba698dfb5acull, b_ ^ 0x2ffd72dbd01adfb7ull);
  uint64_t hi = Mum(b_ ^ 0xb8e1afed6a267e96ull, a_ ^ 0xba7c9045f12c7f99ull);
  return {lo ^ a_, hi ^ b_};
}

}  // namespace pinpipe::pinterest
