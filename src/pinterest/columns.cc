#include "pinterest/columns.h"

#include <algorithm>

namespace pinpipe::pinterest {

void StringColumn::AppendColumn(const StringColumn& other) {
  const uint64_t base = arena_.size();
  arena_.append(other.arena_);
  // Geometric growth: an exact reserve per call would copy the offsets again for every
  // column appended (quadratic when many parts are concatenated).
  const size_t need = offsets_.size() + other.size();
  if (offsets_.capacity() < need) offsets_.reserve(std::max(need, 2 * offsets_.capacity()));
  for (size_t i = 1; i < other.offsets_.size(); ++i) offsets_.push_back(base + other.offsets_[i]);
  valid_.insert(valid_.end(), other.valid_.begin(), other.valid_.end());
}

void StringColumn::Clear() {
  arena_.clear();
  offsets_.assign(1, 0);
  valid_.clear();
}

}  // namespace pinpipe::pinterest
