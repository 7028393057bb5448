#include "emulator/python_random.h"

#include <bit>

namespace pinpipe::emulator {

void PythonRandom::InitGenrand(uint32_t s) {
  mt_[0] = s;
  for (int i = 1; i < kN; ++i) {
    mt_[i] = 1812433253U * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + static_cast<uint32_t>(i);
  }
  index_ = kN;
}

void PythonRandom::SeedWords(std::span<const uint32_t> key_in) {
  // CPython seeds 0 as the one-word key [0].
  static constexpr uint32_t kZero[1] = {0};
  std::span<const uint32_t> key = key_in;
  while (key.size() > 1 && key.back() == 0) key = key.first(key.size() - 1);
  if (key.empty()) key = kZero;

  InitGenrand(19650218U);
  int i = 1;
  size_t j = 0;
  const size_t len = key.size();
  for (size_t k = (static_cast<size_t>(kN) > len ? kN : len); k > 0; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525U)) + key[j] +
             static_cast<uint32_t>(j);
    ++i;
    ++j;
    if (i >= kN) {
      mt_[0] = mt_[kN - 1];
      i = 1;
    }
    if (j >= len) j = 0;
  }
  for (int k = kN - 1; k > 0; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941U)) -
             static_cast<uint32_t>(i);
    ++i;
    if (i >= kN) {
      mt_[0] = mt_[kN - 1];
      i = 1;
    }
  }
  mt_[0] = 0x80000000U;  // non-zero initial state guaranteed
  index_ = kN;
}

void PythonRandom::Seed(int64_t seed) {
  // CPython uses the absolute value of an int seed.
  uint64_t n = seed < 0 ? (~static_cast<uint64_t>(seed) + 1) : static_cast<uint64_t>(seed);
  uint32_t words[2] = {static_cast<uint32_t>(n), static_cast<uint32_t>(n >> 32)};
  SeedWords(std::span<const uint32_t>(words, n >> 32 ? 2 : 1));
}

void PythonRandom::Twist() {
  static constexpr uint32_t kMatrixA = 0x9908b0dfU;
  static constexpr uint32_t kUpper = 0x80000000U;
  static constexpr uint32_t kLower = 0x7fffffffU;
  int kk = 0;
  for (; kk < kN - kM; ++kk) {
    uint32_t y = (mt_[kk] & kUpper) | (mt_[kk + 1] & kLower);
    mt_[kk] = mt_[kk + kM] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
  }
  for (; kk < kN - 1; ++kk) {
    uint32_t y = (mt_[kk] & kUpper) | (mt_[kk + 1] & kLower);
    mt_[kk] = mt_[kk + (kM - kN)] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
  }
  uint32_t y = (mt_[kN - 1] & kUpper) | (mt_[0] & kLower);
  mt_[kN - 1] = mt_[kM - 1] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
  index_ = 0;
}

uint32_t PythonRandom::NextU32() {
  if (index_ >= kN) Twist();
  uint32_t y = mt_[index_++];
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= (y >> 18);
  return y;
}

std::vector<uint32_t> PythonRandom::GetRandBitsWords(int k) {
  std::vector<uint32_t> words;
  if (k <= 0) return words;
  if (k <= 32) {
    words.push_back(NextU32() >> (32 - k));
    return words;
  }
  const int n = (k - 1) / 32 + 1;
  words.reserve(n);
  for (int i = 0; i < n; ++i, k -= 32) {
    uint32_t r = NextU32();
    if (k < 32) r >>= (32 - k);  // drop the unused low bits of the last word
    words.push_back(r);
  }
  return words;
}

uint64_t PythonRandom::GetRandBits(int k) {
  if (k <= 0) return 0;
  if (k <= 32) return NextU32() >> (32 - k);
  uint64_t lo = NextU32();
  uint64_t hi = NextU32() >> (64 - k);
  return lo | (hi << 32);
}

uint64_t PythonRandom::RandBelow(uint64_t n) {
  if (n == 0) return 0;
  const int k = std::bit_width(n);
  uint64_t r = GetRandBits(k);
  while (r >= n) r = GetRandBits(k);
  return r;
}

int64_t PythonRandom::RandRange(int64_t start, int64_t stop) {
  const uint64_t width = static_cast<uint64_t>(stop) - static_cast<uint64_t>(start);
  return static_cast<int64_t>(static_cast<uint64_t>(start) + RandBelow(width));
}

double PythonRandom::Random() {
  const uint32_t a = NextU32() >> 5;
  const uint32_t b = NextU32() >> 6;
  return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

}  // namespace pinpipe::emulator
