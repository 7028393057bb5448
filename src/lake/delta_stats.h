// Per-file statistics for add.stats (PROTOCOL.md "Per-file Statistics"), collected the way Spark
// does so that data skipping in Spark, delta-rs and DuckDB understands them: numRecords;
// minValues/maxValues for numeric, string and timestamp columns; nullCount for every column
// (for an array: rows whose array is null). Only the first 32 columns
// (delta.dataSkippingNumIndexedCols). Strings: min = the first 32 code points; max = the value
// when it has at most 32 code points, else its first 32 followed by a tie-breaker code point
// that sorts after the value (Spark's truncateMaxStringAgg). A bound that is not well-formed
// UTF-8 is left out (stats are optional; a JSON string cannot hold it unchanged).
// Timestamps floor to milliseconds, written "YYYY-MM-DDTHH:MM:SS.mmmZ".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lake/parquet_column_data.h"
#include "lake/parquet_format.h"
#include "lake/parquet_schema.h"

namespace pinpipe::lake {

class DeltaStatsCollector {
 public:
  // string_bounds_from_footer: string min/max are not collected by Add but taken from the
  // Parquet footer the same rows were written to (AddFooterStringBounds), whose column
  // statistics hold the exact bounds already: one comparison per value instead of two.
  explicit DeltaStatsCollector(const Schema& schema, bool string_bounds_from_footer = false);

  // Folds in a batch of rows (of the collector's schema). No per-value allocation.
  void Add(const ColumnBatch& batch);
  // The string min/max of every row group of a file written from exactly the rows Add saw
  // (with string_bounds_from_footer). A row group with values but no bounds drops the column's.
  void AddFooterStringBounds(const format::FileMetaData& md);

  int64_t num_records() const { return num_records_; }
  // The stats JSON document (to be stored as a string in add.stats).
  std::string ToJson() const;

 private:
  struct Column {
    std::string name;
    size_t leaf = 0;
    LeafType type = LeafType::kInt64;
    bool is_list = false;
    bool skipping_eligible = false;  // min/max collected
    int64_t null_count = 0;
    bool has_minmax = false;
    int64_t imin = 0, imax = 0;
    double dmin = 0, dmax = 0;
    std::string smin, smax;
  };
  std::vector<Column> columns_;
  int64_t num_records_ = 0;
  bool string_bounds_from_footer_ = false;
};

// "2023-11-14T22:13:20.123Z" for microseconds since the epoch, floored to milliseconds.
std::string FormatTimestampMillisUtc(int64_t micros);

}  // namespace pinpipe::lake
