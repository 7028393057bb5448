// Column-chunk statistics with the sort orders of parquet.thrift "ColumnOrder"/TypeDefinedOrder:
// signed for INT32/INT64/TIMESTAMP, unsigned bytewise for strings, false<true for booleans, and
// for doubles: NaN excluded from min/max, a zero min written as -0.0 and a zero max as +0.0.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lake/parquet_column_data.h"
#include "lake/parquet_format.h"

namespace pinpipe::lake {

class StatisticsBuilder {
 public:
  explicit StatisticsBuilder(LeafType type) : type_(type) {}
  // Values [first, first+count) of d's value vector.
  void Update(const LeafData& d, size_t first, size_t count);
  // One string or binary value (a dictionary's new distinct value: min/max over a chunk's
  // dictionary equal min/max over its dictionary-encoded values).
  void UpdateString(std::string_view v);
  void AddNulls(int64_t n) { null_count_ += n; }
  void Reset();
  // null_count always; min/max when at least one (non-NaN) value was seen; the deprecated
  // signed min/max only for signed-order types (never strings); nan_count for doubles.
  format::Statistics Build() const;

 private:
  LeafType type_;
  int64_t null_count_ = 0;
  int64_t nan_count_ = 0;
  bool has_ = false;
  int64_t imin_ = 0, imax_ = 0;
  double dmin_ = 0, dmax_ = 0;
  std::string smin_, smax_;
};

}  // namespace pinpipe::lake
