#include "pinterest/join_index.h"

#include <bit>

#include "pinterest/flat_hash.h"

namespace pinpipe::pinterest {

JoinIndex::JoinIndex(const std::vector<int64_t>& build_keys) {
  const size_t n = std::bit_ceil(std::max<size_t>(16, build_keys.size() * 2));
  head_.assign(n, kNone);
  slot_key_.assign(n, 0);
  mask_ = n - 1;
  next_.assign(build_keys.size(), kNone);
  std::vector<uint32_t> tail(n, kNone);  // keeps chains in build order
  for (uint32_t r = 0; r < build_keys.size(); ++r) {
    const int64_t k = build_keys[r];
    size_t i = MixHash64(static_cast<uint64_t>(k)) & mask_;
    while (head_[i] != kNone && slot_key_[i] != k) i = (i + 1) & mask_;
    if (head_[i] == kNone) {
      head_[i] = r;
      slot_key_[i] = k;
    } else {
      next_[tail[i]] = r;
    }
    tail[i] = r;
  }
}

JoinPairs JoinIndex::Probe(const std::vector<int64_t>& probe_keys) const {
  JoinPairs out;
  out.left.reserve(probe_keys.size());
  out.right.reserve(probe_keys.size());
  for (uint32_t l = 0; l < probe_keys.size(); ++l) {
    const int64_t k = probe_keys[l];
    size_t i = MixHash64(static_cast<uint64_t>(k)) & mask_;
    while (head_[i] != kNone && slot_key_[i] != k) i = (i + 1) & mask_;
    for (uint32_t r = head_[i]; r != kNone; r = next_[r]) {
      out.left.push_back(l);
      out.right.push_back(r);
    }
  }
  return out;
}

}  // namespace pinpipe::pinterest
