// StringIntern: dense ids for the distinct strings of a growing input (categories, countries,
// poster names, user names). Unlike pinterest::StringDict it owns its strings (one byte arena),
// because the live view outlives the tables its rows came from. Open addressing over ids with
// the strings' hashes kept per id: a lookup touches one slot array and, on a hash match, the
// arena. Only a new distinct value appends (amortized, no node allocation).
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pinterest/flat_hash.h"

namespace pinpipe::live {

class StringIntern {
 public:
  static constexpr uint32_t kNullId = UINT32_MAX;

  StringIntern() : offsets_{0} { table_.assign(64, kNullId); }

  uint32_t Intern(std::string_view s) {
    if ((hashes_.size() + 1) * 2 > table_.size()) Grow();
    const uint64_t h = pinterest::HashBytes(s);
    const size_t mask = table_.size() - 1;
    size_t i = h & mask;
    for (; table_[i] != kNullId; i = (i + 1) & mask) {
      const uint32_t id = table_[i];
      if (hashes_[id] == h && Value(id) == s) return id;
    }
    const auto id = static_cast<uint32_t>(hashes_.size());
    table_[i] = id;
    hashes_.push_back(h);
    arena_.append(s);
    offsets_.push_back(arena_.size());
    return id;
  }
  // Valid until the next Intern (the arena may move).
  std::string_view Value(uint32_t id) const {
    return std::string_view(arena_).substr(offsets_[id], offsets_[id + 1] - offsets_[id]);
  }
  size_t size() const { return hashes_.size(); }

 private:
  void Grow() {
    table_.assign(table_.size() * 2, kNullId);
    const size_t mask = table_.size() - 1;
    for (uint32_t id = 0; id < hashes_.size(); ++id) {
      size_t i = hashes_[id] & mask;
      while (table_[i] != kNullId) i = (i + 1) & mask;
      table_[i] = id;
    }
  }

  std::string arena_;
  std::vector<uint64_t> offsets_;  // size() + 1
  std::vector<uint64_t> hashes_;   // per id
  std::vector<uint32_t> table_;    // id or kNullId; a power of two, at most half full
};

}  // namespace pinpipe::live
