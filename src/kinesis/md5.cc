#include "kinesis/md5.h"

#include <bit>
#include <cstring>
#include <utility>

namespace pinpipe::kinesis {
namespace {

// RFC 1321 §3.4: T[i] = floor(2^32 * |sin(i + 1)|), and the per-step rotations.
constexpr uint32_t kT[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};
constexpr int kRotate[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

uint32_t LoadLittle(const unsigned char* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

// Step I of the 64 (§3.4), unrolled at compile time: the four words rotate roles every step, so
// step I updates v[(-I) & 3] from the other three, and every index and constant is fixed.
template <size_t I>
void Step(uint32_t (&v)[4], const uint32_t (&x)[16]) {
  constexpr size_t kRound = I / 16;
  uint32_t& a = v[(4 - I % 4) % 4];
  const uint32_t b = v[(5 - I % 4) % 4], c = v[(6 - I % 4) % 4], d = v[(7 - I % 4) % 4];
  uint32_t f;
  size_t g;
  if constexpr (kRound == 0) {
    f = (b & c) | (~b & d);
    g = I;
  } else if constexpr (kRound == 1) {
    f = (d & b) | (~d & c);
    g = (5 * I + 1) % 16;
  } else if constexpr (kRound == 2) {
    f = b ^ c ^ d;
    g = (3 * I + 5) % 16;
  } else {
    f = c ^ (b | ~d);
    g = (7 * I) % 16;
  }
  a = b + std::rotl(a + f + kT[I] + x[g], kRotate[kRound][I % 4]);
}

template <size_t... I>
void Steps(uint32_t (&v)[4], const uint32_t (&x)[16], std::index_sequence<I...>) {
  (Step<I>(v, x), ...);
}

void Block(uint32_t state[4], const unsigned char* block) {
  uint32_t x[16];
  for (int i = 0; i < 16; ++i) x[i] = LoadLittle(block + 4 * i);
  uint32_t v[4] = {state[0], state[1], state[2], state[3]};
  Steps(v, x, std::make_index_sequence<64>{});
  for (int i = 0; i < 4; ++i) state[i] += v[i];
}

}  // namespace

std::array<uint8_t, 16> Md5(std::string_view data) {
  uint32_t state[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  for (; n >= 64; n -= 64, p += 64) Block(state, p);
  // Padding (§3.1–3.2): 0x80, zeros to 56 mod 64, then the bit length, little-endian.
  unsigned char tail[128] = {};
  std::memcpy(tail, p, n);
  tail[n] = 0x80;
  const size_t tail_size = n < 56 ? 64 : 128;
  const uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
  for (int i = 0; i < 8; ++i) tail[tail_size - 8 + i] = static_cast<unsigned char>(bits >> (8 * i));
  Block(state, tail);
  if (tail_size == 128) Block(state, tail + 64);
  std::array<uint8_t, 16> digest;
  for (int i = 0; i < 4; ++i) {
    for (int k = 0; k < 4; ++k) digest[4 * i + k] = static_cast<uint8_t>(state[i] >> (8 * k));
  }
  return digest;
}

}  // namespace pinpipe::kinesis
