#include "pinterest/columns.h"

namespace pinpipe::pinterest {

void StringColumn::AppendColumn(const StringColumn& other) {
  const uint64_t base = arena_.size();
  arena_.append(other.arena_);
  offsets_.reserve(offsets_.size() + other.size());
  for (size_t i = 1; i < other.offsets_.size(); ++i) offsets_.push_back(base + other.offsets_[i]);
  valid_.insert(valid_.end(), other.valid_.begin(), other.valid_.end());
}

void StringColumn::Clear() {
  arena_.clear();
  offsets_.assign(1, 0);
  valid_.clear();
}

}  // namespace pinpipe::pinterest
