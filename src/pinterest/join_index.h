// Hash join on `ind`: an index over the build side's ind column (chained through a `next`
// array, so duplicate keys cost no allocation), probed by the other side. Inner-join
// semantics: every (probe row, build row) pair with equal ind, duplicates multiplying.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace pinpipe::pinterest {

struct JoinPairs {
  std::vector<uint32_t> left;   // probe-side rows
  std::vector<uint32_t> right;  // build-side rows
  size_t size() const { return left.size(); }
};

class JoinIndex {
 public:
  explicit JoinIndex(const std::vector<int64_t>& build_keys);
  // Pairs in probe order (and build order within one probe row).
  JoinPairs Probe(const std::vector<int64_t>& probe_keys) const;

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  std::vector<uint32_t> head_;  // slot -> first build row of the key's chain
  std::vector<int64_t> slot_key_;
  std::vector<uint32_t> next_;  // build row -> next row with the same key
  size_t mask_ = 0;
};

}  // namespace pinpipe::pinterest
