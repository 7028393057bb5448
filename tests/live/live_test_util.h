// Helpers of the live tests: prefixes of clean tables (the rows fed so far) and a table
// comparison that names the first difference.
#pragma once

#include <string>
#include <vector>

#include "pinterest/clean_tables.h"
#include "pinterest/result_table.h"

namespace pinpipe::live::testing {

// Rows [0, n) of the columns RunAnalytics reads, appended to *out.
inline void AppendPinRows(const pinterest::CleanPinTable& t, size_t begin, size_t end, pinterest::CleanPinTable* out) {
  for (size_t r = begin; r < end; ++r) {
    out->ind.push_back(t.ind[r]);
    t.category.IsValid(r) ? out->category.Append(t.category.Get(r)) : out->category.AppendNull();
    t.poster_name.IsValid(r) ? out->poster_name.Append(t.poster_name.Get(r)) : out->poster_name.AppendNull();
    t.follower_count.IsValid(r) ? out->follower_count.Append(t.follower_count.values[r]) : out->follower_count.AppendNull();
  }
}
inline void AppendGeoRows(const pinterest::CleanGeoTable& t, size_t begin, size_t end, pinterest::CleanGeoTable* out) {
  for (size_t r = begin; r < end; ++r) {
    out->ind.push_back(t.ind[r]);
    t.country.IsValid(r) ? out->country.Append(t.country.Get(r)) : out->country.AppendNull();
    t.timestamp.IsValid(r) ? out->timestamp.Append(t.timestamp.values[r]) : out->timestamp.AppendNull();
  }
}
inline void AppendUserRows(const pinterest::CleanUserTable& t, size_t begin, size_t end, pinterest::CleanUserTable* out) {
  for (size_t r = begin; r < end; ++r) {
    out->ind.push_back(t.ind[r]);
    t.user_name.IsValid(r) ? out->user_name.Append(t.user_name.Get(r)) : out->user_name.AppendNull();
    t.age.IsValid(r) ? out->age.Append(t.age.values[r]) : out->age.AppendNull();
    t.date_joined.IsValid(r) ? out->date_joined.Append(t.date_joined.values[r]) : out->date_joined.AppendNull();
  }
}

// The table as lines: a header "name|title|col:type,..." then one "a|b|c" line per row
// (null as \N; doubles in shortest round-trip form, so equal text = equal bits).
inline std::vector<std::string> Lines(const pinterest::ResultTable& t) {
  std::string head = t.name + "|" + t.title + "|";
  for (const auto& c : t.columns) head += c.name + ":" + std::string(pinterest::ColumnTypeName(c.type)) + ",";
  std::vector<std::string> out{head};
  for (size_t r = 0; r < t.num_rows(); ++r) {
    std::string line;
    for (size_t c = 0; c < t.columns.size(); ++c) {
      if (c) line += "|";
      bool null = false;
      std::string v = t.columns[c].Text(r, &null);
      line += null ? "\\N" : v;
    }
    out.push_back(line);
  }
  return out;
}

}  // namespace pinpipe::live::testing
