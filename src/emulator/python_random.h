// PythonRandom: a Mersenne Twister that produces exactly the numbers of CPython 3's
// `random` module for the operations the original emulator used (seed(int), getrandbits,
// randrange, randint, random), so `--python-compatible` replays the original's rows.
//
// Algorithms as documented by CPython (Modules/_randommodule.c, Lib/random.py):
//  - MT19937 (Matsumoto & Nishimura 1998) with init_genrand / init_by_array;
//  - seed(n): init_by_array over the 32-bit words of |n|, least significant first
//    ([0] for n == 0);
//  - getrandbits(k): k <= 32 -> genrand >> (32 - k); otherwise 32-bit words filled least
//    significant first, the last word shifted right to keep only the remaining bits;
//  - randbelow(n): k = n.bit_length(); r = getrandbits(k) until r < n (rejection sampling);
//  - randrange(a, b) = a + randbelow(b - a); randint(a, b) = randrange(a, b + 1);
//  - random() = (a * 2^26 + b) / 2^53 with a = genrand >> 5, b = genrand >> 6.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace pinpipe::emulator {

class PythonRandom {
 public:
  // random.seed(seed) for a non-negative or negative int that fits in 64 bits.
  explicit PythonRandom(int64_t seed = 0) { Seed(seed); }

  void Seed(int64_t seed);
  // random.seed(n) for an arbitrary-size non-negative integer given as its 32-bit words,
  // least significant first (how big seeds are passed).
  void SeedWords(std::span<const uint32_t> words);

  // One raw 32-bit output (genrand_uint32).
  uint32_t NextU32();

  // random.getrandbits(k) for 0 <= k <= 64.
  uint64_t GetRandBits(int k);
  // random.getrandbits(k) for any k >= 0, as 32-bit words least significant first.
  std::vector<uint32_t> GetRandBitsWords(int k);

  // random._randbelow(n) for n >= 1.
  uint64_t RandBelow(uint64_t n);
  // random.randrange(start, stop) for start < stop (stop - start must fit in 64 bits).
  int64_t RandRange(int64_t start, int64_t stop);
  // random.randint(a, b) for a <= b.
  int64_t RandInt(int64_t a, int64_t b) { return RandRange(a, b + 1); }
  // random.random(): a double in [0, 1) with 53 random bits.
  double Random();

 private:
  static constexpr int kN = 624;
  static constexpr int kM = 397;
  void InitGenrand(uint32_t s);
  void Twist();

  std::array<uint32_t, kN> mt_{};
  int index_ = kN + 1;
};

}  // namespace pinpipe::emulator
