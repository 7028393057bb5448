#include "lake/delta_stats.h"

#include <cmath>
#include <cstdio>

#include "common/json_writer.h"
#include "common/utf8.h"

namespace pinpipe::lake {

namespace {

constexpr size_t kIndexedColumns = 32;
constexpr size_t kStringPrefix = 32;

// Byte length of the first `n` code points of UTF-8 `s` (all of it when shorter); 0 with
// *valid false when an ill-formed sequence comes first: such a bound cannot be written as a
// JSON string without changing it, so it is left out (stats are optional).
size_t Utf8PrefixBytes(std::string_view s, size_t n, bool* valid) {
  size_t i = 0, cps = 0, skip;
  *valid = true;
  while (i < s.size() && cps < n) {
    const size_t len = Utf8SequenceLength(s, i, &skip);
    if (len == 0) {
      *valid = false;
      return 0;
    }
    i += len;
    ++cps;
  }
  return i;
}

// The string min/max as Spark writes them (StatisticsCollection truncateMin/MaxStringAgg):
// min = the first kStringPrefix code points (a prefix sorts before the value); max = the value
// when short, else the prefix followed by a tie-breaker that sorts after every continuation
// (U+007F when the next byte is below it, else U+10FFFF). Comparison is by bytes, which for
// UTF-8 is code point order, as Spark and arrow compare. False when no bound can be written.
bool StringBound(std::string_view v, bool is_min, std::string* out) {
  bool valid = false;
  const size_t n = Utf8PrefixBytes(v, kStringPrefix, &valid);
  if (!valid) return false;
  out->assign(v.substr(0, n));
  if (is_min || n == v.size()) return true;
  const auto next = static_cast<unsigned char>(v[n]);
  if (next < 0x7F) {
    out->push_back('\x7F');
  } else {
    out->append("\xF4\x8F\xBF\xBF");
  }
  return std::string_view(*out) > v;  // not when the value continues with U+10FFFF itself
}

// Days since 1970-01-01 to a civil date (proleptic Gregorian), H. Hinnant's algorithm.
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::string FormatTimestampMillisUtc(int64_t micros) {
  int64_t ms = FloorDiv(micros, 1000);
  int64_t secs = FloorDiv(ms, 1000);
  int64_t days = FloorDiv(secs, 86400);
  int64_t sod = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<long long>(y), m, d, static_cast<int>(sod / 3600),
                static_cast<int>(sod / 60 % 60), static_cast<int>(sod % 60),
                static_cast<int>(ms - secs * 1000));
  return buf;
}

DeltaStatsCollector::DeltaStatsCollector(const Schema& schema, bool string_bounds_from_footer)
    : string_bounds_from_footer_(string_bounds_from_footer) {
  for (size_t i = 0; i < schema.fields().size() && columns_.size() < kIndexedColumns; ++i) {
    const Field& f = schema.fields()[i];
    if (f.kind != Field::Kind::kPrimitive && f.kind != Field::Kind::kList) continue;
    auto [first, count] = schema.LeafRange(i);
    if (count != 1) continue;
    Column c;
    c.name = f.name;
    c.leaf = first;
    c.type = schema.leaves()[first].type;
    c.is_list = f.kind == Field::Kind::kList;
    c.skipping_eligible =
        !c.is_list &&
        (c.type == LeafType::kInt32 || c.type == LeafType::kInt64 || c.type == LeafType::kDouble ||
         c.type == LeafType::kString || c.type == LeafType::kTimestamp);
    columns_.push_back(std::move(c));
  }
}

void DeltaStatsCollector::Add(const ColumnBatch& batch) {
  num_records_ += static_cast<int64_t>(batch.num_rows());
  for (auto& c : columns_) {
    const LeafData& leaf = batch.leaf(c.leaf);
    if (c.is_list) {
      // A null array is the one level entry of its row with def 0.
      if (leaf.max_def > 0) {
        for (size_t i = 0; i < leaf.def.size(); ++i) {
          if (leaf.rep[i] == 0 && leaf.def[i] == 0) ++c.null_count;
        }
      }
      continue;
    }
    if (leaf.max_def > 0) {
      for (uint8_t d : leaf.def) c.null_count += d < leaf.max_def;
    }
    if (!c.skipping_eligible) continue;
    switch (c.type) {
      case LeafType::kInt32:
        for (int32_t v : leaf.i32) {
          if (!c.has_minmax) c.imin = c.imax = v, c.has_minmax = true;
          c.imin = std::min<int64_t>(c.imin, v);
          c.imax = std::max<int64_t>(c.imax, v);
        }
        break;
      case LeafType::kInt64:
      case LeafType::kTimestamp:
        for (int64_t v : leaf.i64) {
          if (!c.has_minmax) c.imin = c.imax = v, c.has_minmax = true;
          c.imin = std::min(c.imin, v);
          c.imax = std::max(c.imax, v);
        }
        break;
      case LeafType::kDouble:
        for (double v : leaf.f64) {
          if (std::isnan(v)) continue;  // NaN never goes into min/max
          if (!c.has_minmax) c.dmin = c.dmax = v, c.has_minmax = true;
          c.dmin = std::min(c.dmin, v);
          c.dmax = std::max(c.dmax, v);
        }
        break;
      case LeafType::kString:
        if (string_bounds_from_footer_) break;
        for (size_t i = 0; i < leaf.str.size(); ++i) {
          std::string_view v = leaf.str[i];
          if (!c.has_minmax) {
            c.smin.assign(v);
            c.smax.assign(v);
            c.has_minmax = true;
          } else if (v < c.smin) {
            c.smin.assign(v);
          } else if (v > c.smax) {
            c.smax.assign(v);
          }
        }
        break;
      default:
        break;
    }
  }
}

void DeltaStatsCollector::AddFooterStringBounds(const format::FileMetaData& md) {
  for (auto& c : columns_) {
    if (!c.skipping_eligible || c.type != LeafType::kString) continue;
    bool unknown = false;
    for (const auto& rg : md.row_groups) {
      if (c.leaf >= rg.columns.size() || !rg.columns[c.leaf].meta_data) {
        unknown = true;
        break;
      }
      const auto& cm = *rg.columns[c.leaf].meta_data;
      const auto& st = cm.statistics;
      if (!st || !st->min_value || !st->max_value) {
        // Only a chunk of nulls (or no rows) may lack bounds.
        if (!st || !st->null_count || *st->null_count < cm.num_values) unknown = true;
        if (unknown) break;
        continue;
      }
      if (!c.has_minmax) {
        c.smin = *st->min_value;
        c.smax = *st->max_value;
        c.has_minmax = true;
      } else {
        if (*st->min_value < c.smin) c.smin = *st->min_value;
        if (*st->max_value > c.smax) c.smax = *st->max_value;
      }
    }
    if (unknown) {
      c.has_minmax = false;
      c.skipping_eligible = false;  // no bounds rather than wrong ones
    }
  }
}

std::string DeltaStatsCollector::ToJson() const {
  JsonWriter w;
  w.BeginObject().Field("numRecords", num_records_);
  auto write_bound = [&](const Column& c, bool is_min) {
    switch (c.type) {
      case LeafType::kInt32:
      case LeafType::kInt64:
        w.Key(c.name).Int(is_min ? c.imin : c.imax);
        return;
      case LeafType::kTimestamp:
        w.Key(c.name).String(FormatTimestampMillisUtc(is_min ? c.imin : c.imax));
        return;
      case LeafType::kDouble:
        w.Key(c.name).Double(is_min ? c.dmin : c.dmax);
        return;
      case LeafType::kString: {
        std::string bound;
        if (StringBound(is_min ? c.smin : c.smax, is_min, &bound)) w.Key(c.name).String(bound);
        return;
      }
      default:
        return;
    }
  };
  for (int pass = 0; pass < 2; ++pass) {
    w.Key(pass == 0 ? "minValues" : "maxValues").BeginObject();
    for (const auto& c : columns_) {
      if (c.skipping_eligible && c.has_minmax) write_bound(c, pass == 0);
    }
    w.EndObject();
  }
  w.Key("nullCount").BeginObject();
  for (const auto& c : columns_) w.Field(c.name, c.null_count);
  w.EndObject().EndObject();
  return w.Take();
}

}  // namespace pinpipe::lake
