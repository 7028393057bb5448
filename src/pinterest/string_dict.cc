#include "pinterest/string_dict.h"

#include <bit>

#include "pinterest/flat_hash.h"

namespace pinpipe::pinterest {

StringDict::StringDict(size_t expected) {
  const size_t n = std::bit_ceil(std::max<size_t>(16, expected * 2));
  table_.assign(n, kNullId);
  mask_ = n - 1;
}

void StringDict::Grow() {
  table_.assign(table_.size() * 2, kNullId);
  mask_ = table_.size() - 1;
  for (uint32_t id = 0; id < values_.size(); ++id) {
    size_t i = hashes_[id] & mask_;
    while (table_[i] != kNullId) i = (i + 1) & mask_;
    table_[i] = id;
  }
}

uint32_t StringDict::Intern(std::string_view s) {
  const uint64_t h = HashBytes(s);
  size_t i = h & mask_;
  while (table_[i] != kNullId) {
    const uint32_t id = table_[i];
    if (hashes_[id] == h && values_[id] == s) return id;
    i = (i + 1) & mask_;
  }
  const uint32_t id = static_cast<uint32_t>(values_.size());
  values_.push_back(s);
  hashes_.push_back(h);
  table_[i] = id;
  if (values_.size() * 2 > table_.size()) Grow();
  return id;
}

std::vector<uint32_t> StringDict::Encode(const StringColumn& column) {
  std::vector<uint32_t> ids(column.size());
  for (size_t i = 0; i < column.size(); ++i)
    ids[i] = column.IsValid(i) ? Intern(column.Get(i)) : kNullId;
  return ids;
}

}  // namespace pinpipe::pinterest
