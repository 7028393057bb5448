// Records that cannot be decoded at all (not JSON, not an object, wrong types, no `ind`)
// are not dropped silently: they land here with the reason and their raw text, and are
// counted per table. The batch tasks write this table next to the clean ones.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "pinterest/columns.h"
#include "pinterest/raw_tables.h"

namespace pinpipe::pinterest {

struct QuarantineTable {
  std::vector<RawKind> table;  // which topic the record came from
  StringColumn reason;         // "title: expected a string", "invalid JSON: ...", ...
  StringColumn raw;            // the record's text as received

  size_t size() const { return table.size(); }
  size_t Count(RawKind kind) const;
  void Add(RawKind kind, std::string_view why, std::string_view text) {
    table.push_back(kind);
    reason.Append(why);
    raw.Append(text);
  }
  void Append(const QuarantineTable& other);
};

}  // namespace pinpipe::pinterest
