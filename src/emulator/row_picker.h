// Which row the emulator posts next, and how long it sleeps before: either CPython's
// exact sequence (the original's `random.seed(100)`; sleep(randrange(0, 2));
// randint(0, 11000)) or a fast generator over all rows.
#pragma once

#include <cstdint>
#include <memory>

#include "emulator/python_random.h"
#include "pinterest/generator_rng.h"

namespace pinpipe::emulator {

struct Pick {
  int64_t row = 0;
  int sleep_seconds = 0;
};

class RowPicker {
 public:
  virtual ~RowPicker() = default;
  virtual Pick Next() = 0;
};

// The original's loop, number for number.
class PythonCompatiblePicker final : public RowPicker {
 public:
  explicit PythonCompatiblePicker(int64_t max_row = 11000, int64_t seed = 100)
      : rng_(seed), max_row_(max_row) {}
  Pick Next() override {
    Pick p;
    p.sleep_seconds = static_cast<int>(rng_.RandRange(0, 2));
    p.row = rng_.RandInt(0, max_row_);
    return p;
  }

 private:
  PythonRandom rng_;
  int64_t max_row_;
};

// Uniform rows in [0, max_row], sleeps 0 or 1 s with equal odds, from a fast PRNG.
class FastPicker final : public RowPicker {
 public:
  FastPicker(int64_t max_row, uint64_t seed) : rng_(seed), max_row_(max_row) {}
  Pick Next() override {
    const uint64_t r = rng_.Next();
    Pick p;
    p.sleep_seconds = static_cast<int>(r >> 63);
    p.row = static_cast<int64_t>(
        (static_cast<unsigned __int128>(r & ~(1ULL << 63)) * (max_row_ + 1)) >> 63);
    return p;
  }

 private:
  pinterest::GenRng rng_;
  int64_t max_row_;
};

}  // namespace pinpipe::emulator
