#include "common/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace pinpipe {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // Castagnoli, reflected

// Slicing-by-8 tables: table[k][b] is the CRC of byte b followed by k zero bytes.
constexpr std::array<std::array<uint32_t, 256>, 8> MakeTables() {
  std::array<std::array<uint32_t, 256>, 8> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) ? kPoly : 0);
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (int k = 1; k < 8; ++k) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
  }
  return t;
}
constexpr auto kTables = MakeTables();

// The hardware path runs three independent streams over consecutive lanes of kLane bytes:
// one crc32 instruction has a latency of three cycles but a throughput of one per cycle, so
// a single dependent chain uses a third of it. The CRC without pre/post inversion is linear:
// crc(A || B) = Shift(crc(A), |B|) ^ crc(0; B), where Shift feeds |B| zero bytes. For the
// fixed kLane, Shift is a linear map on 32 bits, applied with four byte-indexed tables.
constexpr size_t kLane = 1024;
constexpr std::array<std::array<uint32_t, 256>, 4> MakeShiftTables() {
  std::array<uint32_t, 32> basis{};  // Shift(1 << i)
  for (int i = 0; i < 32; ++i) {
    uint32_t c = 1u << i;
    for (size_t k = 0; k < kLane; ++k) c = (c >> 8) ^ kTables[0][c & 0xff];
    basis[static_cast<size_t>(i)] = c;
  }
  std::array<std::array<uint32_t, 256>, 4> t{};
  for (size_t k = 0; k < 4; ++k) {
    for (uint32_t b = 0; b < 256; ++b) {
      uint32_t v = 0;
      for (int bit = 0; bit < 8; ++bit) {
        if (b & (1u << bit)) v ^= basis[8 * k + static_cast<size_t>(bit)];
      }
      t[k][b] = v;
    }
  }
  return t;
}
constexpr auto kShiftTables = MakeShiftTables();

inline uint32_t ShiftLane(uint32_t c) {
  return kShiftTables[0][c & 0xff] ^ kShiftTables[1][(c >> 8) & 0xff] ^
         kShiftTables[2][(c >> 16) & 0xff] ^ kShiftTables[3][c >> 24];
}

uint32_t ExtendPortable(uint32_t crc, const unsigned char* p, size_t n) {
  uint32_t c = ~crc;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);  // little-endian host assumed (x86-64, aarch64)
    w ^= c;
    c = kTables[7][w & 0xff] ^ kTables[6][(w >> 8) & 0xff] ^ kTables[5][(w >> 16) & 0xff] ^
        kTables[4][(w >> 24) & 0xff] ^ kTables[3][(w >> 32) & 0xff] ^
        kTables[2][(w >> 40) & 0xff] ^ kTables[1][(w >> 48) & 0xff] ^ kTables[0][w >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) c = (c >> 8) ^ kTables[0][(c ^ *p++) & 0xff];
  return ~c;
}

#if defined(__x86_64__)
// Built for SSE4.2 only here, so the rest of the program needs no -msse4.2.
__attribute__((target("sse4.2"))) uint32_t ExtendSse42(uint32_t crc, const unsigned char* p,
                                                       size_t n) {
  uint64_t c = ~crc;
  while (n >= 3 * kLane) {
    uint64_t c1 = 0, c2 = 0;
    for (size_t i = 0; i < kLane; i += 8) {
      uint64_t w0, w1, w2;
      std::memcpy(&w0, p + i, 8);
      std::memcpy(&w1, p + kLane + i, 8);
      std::memcpy(&w2, p + 2 * kLane + i, 8);
      c = _mm_crc32_u64(c, w0);
      c1 = _mm_crc32_u64(c1, w1);
      c2 = _mm_crc32_u64(c2, w2);
    }
    c = ShiftLane(static_cast<uint32_t>(c)) ^ c1;
    c = ShiftLane(static_cast<uint32_t>(c)) ^ c2;
    p += 3 * kLane;
    n -= 3 * kLane;
  }
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    c = _mm_crc32_u64(c, w);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n--) c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}

bool DetectSse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
const bool kHaveSse42 = DetectSse42();
#else
const bool kHaveSse42 = false;
#endif

}  // namespace

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n) {
  auto* p = static_cast<const unsigned char*>(data);
#if defined(__x86_64__)
  if (kHaveSse42) return ExtendSse42(crc, p, n);
#endif
  return ExtendPortable(crc, p, n);
}

bool Crc32cIsHardwareAccelerated() { return kHaveSse42; }

}  // namespace pinpipe
