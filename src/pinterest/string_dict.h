// Dictionary encoding of a string column for grouping: each distinct value gets a dense id
// (in order of first appearance), null gets kNullId. Views point into the column, which
// must outlive the dictionary.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "pinterest/columns.h"

namespace pinpipe::pinterest {

class StringDict {
 public:
  static constexpr uint32_t kNullId = UINT32_MAX;

  explicit StringDict(size_t expected = 64);
  uint32_t Intern(std::string_view s);
  std::string_view Value(uint32_t id) const { return values_[id]; }
  size_t size() const { return values_.size(); }

  // ids[i] for every row of `column` (kNullId for nulls).
  std::vector<uint32_t> Encode(const StringColumn& column);

 private:
  void Grow();
  std::vector<std::string_view> values_;
  std::vector<uint64_t> hashes_;  // per id
  std::vector<uint32_t> table_;   // id or kNullId (empty)
  size_t mask_ = 0;
};

}  // namespace pinpipe::pinterest
