// Exact-duplicate removal state. FingerprintSet is an open-addressing hash set of row
// fingerprints (batch: over the whole input). DedupWindow bounds it for the streaming job:
// the last `capacity` distinct fingerprints in arrival order, oldest evicted first, and it
// serializes to bytes the job persists with its checkpoint, so a restart keeps deduplicating.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "pinterest/fingerprint.h"

namespace pinpipe::pinterest {

class FingerprintSet {
 public:
  explicit FingerprintSet(size_t expected = 0);
  // True when `fp` was absent (and is now present).
  bool Insert(const Fingerprint& fp);
  bool Contains(const Fingerprint& fp) const;
  void Erase(const Fingerprint& fp);
  size_t size() const { return size_; }
  // Room for `expected` members without growing (one rehash now instead of many doublings).
  void Reserve(size_t expected);
  // Starts loading `fp`'s home slot into the cache: a large set's inserts are cache misses,
  // and a caller that knows the next fingerprints can overlap them.
  void Prefetch(const Fingerprint& fp) const { __builtin_prefetch(slots_.data() + Slot(fp)); }

 private:
  size_t Slot(const Fingerprint& fp) const { return static_cast<size_t>(fp.lo) & mask_; }
  void Rehash(size_t slots);

  // An all-zero fingerprint marks an empty slot; the real zero is remapped on entry.
  std::vector<Fingerprint> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

class DedupWindow {
 public:
  explicit DedupWindow(size_t capacity);

  // True when `fp` is new (then it is remembered, evicting the oldest when full); false
  // for a duplicate of a fingerprint still in the window.
  bool Insert(const Fingerprint& fp);
  bool Contains(const Fingerprint& fp) const { return set_.Contains(fp); }
  size_t size() const { return count_; }
  size_t capacity() const { return ring_.size(); }

  // "PPDEDUP1" | capacity u64 | count u64 | count x (lo u64, hi u64), oldest first | crc32c
  // (little-endian).
  std::string Serialize() const;
  // A window of a different capacity keeps the newest fingerprints that fit.
  static Result<DedupWindow> Deserialize(std::string_view bytes, size_t capacity = 0);

 private:
  std::vector<Fingerprint> ring_;
  size_t head_ = 0;  // oldest entry
  size_t count_ = 0;
  FingerprintSet set_;
};

}  // namespace pinpipe::pinterest
