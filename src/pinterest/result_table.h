// ResultTable: a small typed table (an analytics result) that the batch tasks write as a
// Delta table, a CSV file, an aligned terminal table and an HTML chart. Columns are typed
// with the Delta/Spark logical types of clean_tables.h (long, integer, string, double,
// timestamp); every column is nullable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pinterest/clean_tables.h"

namespace pinpipe::pinterest {

struct ResultColumn {
  std::string name;
  ColumnType type = ColumnType::kString;
  std::vector<int64_t> ints;         // kLong, kInt, kTimestamp (micros)
  std::vector<double> doubles;       // kDouble
  std::vector<std::string> strings;  // kString
  std::vector<uint8_t> valid;

  ResultColumn() = default;
  ResultColumn(std::string n, ColumnType t) : name(std::move(n)), type(t) {}
  size_t size() const { return valid.size(); }
  bool IsNull(size_t i) const { return valid[i] == 0; }
  void PushInt(int64_t v);
  void PushDouble(double v);
  void PushString(std::string_view v);
  void PushNull();
  // The cell as text: decimal integers, shortest round-trip doubles (fixed notation for
  // magnitudes in [1e-7, 1e21), as JavaScript prints numbers), timestamps as
  // "YYYY-MM-DD HH:MM:SS[.ffffff]", strings as-is; null -> "" (and *is_null = true).
  std::string Text(size_t row, bool* is_null = nullptr) const;
};

struct ResultTable {
  std::string name;   // file/table name, e.g. "category_by_country"
  std::string title;  // human heading, e.g. "Most popular category per country"
  std::vector<ResultColumn> columns;

  size_t num_rows() const { return columns.empty() ? 0 : columns[0].size(); }
  const ResultColumn* Column(std::string_view column_name) const;
};

}  // namespace pinpipe::pinterest
