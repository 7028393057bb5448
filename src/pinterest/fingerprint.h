// 128-bit fingerprints of decoded raw rows: the key of exact-duplicate removal. Two rows
// have the same fingerprint iff (up to a ~2^-128 collision chance) they are equal field by
// field over the decoded raw values: null differs from "", numbers compare by value (so
// `"ind": "5"` and `"ind": 5` are the same row, and both datetime spellings of the same
// instant are too), doubles compare by value with -0.0 == 0.0.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace pinpipe::pinterest {

struct Fingerprint {
  uint64_t lo = 0, hi = 0;
  friend bool operator==(const Fingerprint&, const Fingerprint&) = default;
};

// Streams the fields of one row. Each string is folded 16 bytes at a time with 64x64->128
// multiplications on two lanes with distinct keys; fields are length- and null-tagged so
// ("ab","c") and ("a","bc") differ.
class RowHasher {
 public:
  RowHasher() = default;
  void AddNull() { Mix(0x6e756c6cu, 1); }
  void AddInt(int64_t v) { Mix(static_cast<uint64_t>(v), 2); }
  void AddDouble(double v) {
    if (v == 0) v = 0;  // -0.0 == 0.0
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    Mix(bits, 3);
  }
  void AddString(std::string_view s);
  Fingerprint Finish() const;

 private:
  static uint64_t Mum(uint64_t x, uint64_t y) {
    const unsigned __int128 p = static_cast<unsigned __int128>(x) * y;
    return static_cast<uint64_t>(p) ^ static_cast<uint64_t>(p >> 64);
  }
  void Mix(uint64_t v, uint64_t tag) {
    a_ = Mum(a_ ^ v ^ 0xa0761d6478bd642full, tag ^ 0xe7037ed1a0b428dbull);
    b_ = Mum(b_ ^ v ^ 0x8ebc6af09c88c6e3ull, tag ^ 0x589965cc75374cc3ull);
  }

  uint64_t a_ = 0x243f6a8885a308d3ull, b_ = 0x13198a2e03707344ull;
};

}  // namespace pinpipe::pinterest
