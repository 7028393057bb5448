// Helpers of the live tests: prefixes of clean tables (the rows fed so far) and a table
// comparison that names the first difference.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "pinterest/clean_tables.h"
#include "pinterest/result_table.h"

namespace pinpipe::live::testing {

// The randomized model checks compare after every chunk and run 10–20× slower under ASan or
// TSan, where they were most of CI's sanitizer time: there they run a quarter of their seeds
// (the same code paths, both parities of every seed-dependent choice); the normal build runs
// every seed.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr uint64_t kSeedDivisor = 4;
#else
inline constexpr uint64_t kSeedDivisor = 1;
#endif

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

// Row r of a table as text over the columns AppendXRows copies (the tests' other columns are
// null): equal keys = equal rows.
template <typename Table>
std::string RowKey(const Table& t, size_t r) {
  std::string k = std::to_string(t.ind[r]);
  auto str = [&](const pinterest::StringColumn& c) { k += c.IsValid(r) ? "|s" + std::string(c.Get(r)) : "|N"; };
  auto num = [&](const auto& c) { k += c.IsValid(r) ? "|" + std::to_string(c.values[r]) : "|N"; };
  if constexpr (requires { t.category; }) {
    str(t.category), str(t.poster_name), num(t.follower_count);
  } else if constexpr (requires { t.country; }) {
    str(t.country), num(t.timestamp);
  } else {
    str(t.user_name), num(t.age), num(t.date_joined);
  }
  return k;
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

// Random clean rows over small domains (ties, duplicate inds, nulls in every key).
constexpr int64_t kMicrosPerYear = 31'556'952'000'000;  // 365.2425 days
inline int64_t MicrosInYear(int year, std::mt19937_64& rng) {
  // Mid-year, so the year is unambiguous: 1970 + (year - 1970) years + ~half a year.
  return (year - 1970) * kMicrosPerYear + kMicrosPerYear / 2 + static_cast<int64_t>(rng() % 1'000'000'000);
}

using pinterest::CleanGeoTable;
using pinterest::CleanPinTable;
using pinterest::CleanUserTable;

struct RandomTables {
  CleanPinTable pin;
  CleanGeoTable geo;
  CleanUserTable user;
};

inline RandomTables MakeRandom(uint64_t seed, size_t n_pin, size_t n_geo, size_t n_user, int64_t inds) {
  std::mt19937_64 rng(seed);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  const char* categories[] = {"art", "travel", "quotes", "diy"};
  const char* countries[] = {"A", "B", "Cx", "+50"};
  const char* names[] = {"Ann", "Bob", "", "Cid", "Dee"};
  RandomTables t;
  for (size_t i = 0; i < n_pin; ++i) {
    t.pin.ind.push_back(static_cast<int64_t>(pick(static_cast<size_t>(inds))));
    pick(8) == 0 ? t.pin.category.AppendNull() : t.pin.category.Append(categories[pick(4)]);
    pick(8) == 0 ? t.pin.poster_name.AppendNull() : t.pin.poster_name.Append(names[pick(5)]);
    // Few distinct follower counts: ties at the maximum and equal medians are frequent.
    if (pick(7) == 0) t.pin.follower_count.AppendNull();
    else t.pin.follower_count.Append(static_cast<int32_t>(pick(6)) * 1000 - (pick(20) == 0 ? 1001 : 0));
  }
  for (size_t i = 0; i < n_geo; ++i) {
    t.geo.ind.push_back(static_cast<int64_t>(pick(static_cast<size_t>(inds))));
    pick(8) == 0 ? t.geo.country.AppendNull() : t.geo.country.Append(countries[pick(4)]);
    if (pick(9) == 0) t.geo.timestamp.AppendNull();
    else t.geo.timestamp.Append(MicrosInYear(2016 + static_cast<int>(pick(8)), rng));
  }
  const int ages[] = {10, 17, 18, 24, 25, 35, 36, 50, 51, 90};
  for (size_t i = 0; i < n_user; ++i) {
    t.user.ind.push_back(static_cast<int64_t>(pick(static_cast<size_t>(inds))));
    pick(8) == 0 ? t.user.user_name.AppendNull() : t.user.user_name.Append(names[pick(5)]);
    pick(9) == 0 ? t.user.age.AppendNull() : t.user.age.Append(ages[pick(10)]);
    if (pick(9) == 0) t.user.date_joined.AppendNull();
    else t.user.date_joined.Append(MicrosInYear(2013 + static_cast<int>(pick(10)), rng));
  }
  return t;
}

}  // namespace pinpipe::live::testing
