// A fast non-cryptographic hash of a byte string for in-memory hash tables: 16 bytes per
// 64×64→128-bit multiply-fold (the "mum" step of the wyhash family), inline because the keys
// hashed on hot paths (dictionary values, group keys) are mostly short. Its quality only changes
// probe lengths; nothing persisted depends on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace pinpipe {

inline uint64_t HashBytes(std::string_view s, uint64_t seed) {
  auto mum = [](uint64_t x, uint64_t y) {
    const unsigned __int128 r = static_cast<unsigned __int128>(x) * y;
    return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
  };
  uint64_t h = seed ^ s.size();
  const char* p = s.data();
  size_t n = s.size();
  while (n >= 16) {
    uint64_t a, b;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, 8);
    h = mum(h ^ a ^ 0xa0761d6478bd642full, b ^ 0xe7037ed1a0b428dbull);
    p += 16;
    n -= 16;
  }
  uint64_t a = 0, b = 0;
  if (n > 8) {
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, n - 8);
  } else {
    std::memcpy(&a, p, n);
  }
  return mum(h ^ a ^ 0x8ebc6af09c88c6e3ull, b ^ 0x589965cc75374cc3ull);
}

}  // namespace pinpipe
