// Table: the generic result table that terminal tables and the HTML report draw — column names
// and types, and rows of typed cells (null, integer, double, string, timestamp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace pinpipe::report {

enum class ColumnType { kString, kInt, kDouble, kTimestamp };

struct Timestamp {
  int64_t micros = 0;  // since the epoch, UTC
  bool operator==(const Timestamp&) const = default;
};

using Value = std::variant<std::monostate, int64_t, double, std::string, Timestamp>;

struct Column {
  std::string name;
  ColumnType type = ColumnType::kString;
};

struct Table {
  std::string name;   // machine name, e.g. "category_by_country" (HTML anchor)
  std::string title;  // heading, e.g. "Most popular category per country"
  std::vector<Column> columns;
  std::vector<std::vector<Value>> rows;

  // -1 if there is no such column.
  int ColumnIndex(std::string_view column_name) const;
  // Every row has one cell per column and each non-null cell matches its column's type.
  Status Validate() const;
};

bool IsNull(const Value& v);
bool IsNumeric(ColumnType t);
// The cell as a number (ints, doubles, timestamps as micros); false for null and strings.
bool AsDouble(const Value& v, double* out);
// Display text: integers "1234", doubles shortest round-trip (at most 6 significant digits
// after the point is not forced), timestamps "YYYY-MM-DD HH:MM:SS[.ffffff]", null "".
std::string FormatValue(const Value& v);
// "12,345" / "-1,234,567"
std::string WithThousandsSeparators(int64_t v);
// The report's one rule for numbers, in tables and on charts alike: thousands separators on the
// integer part, never an abbreviation ("8,000,000", not "8M" or "8000000"). Without `decimals`,
// a double's shortest round-trip digits ("1,234,567.25"); with decimals >= 0, rounded to at most
// that many (trailing zeros dropped); with decimals < 0, -decimals significant digits (for
// |v| < 1). NaN, infinities and numbers beyond 1e21 print as FormatValue does.
std::string FormatNumber(double v);
std::string FormatNumber(double v, int decimals);

}  // namespace pinpipe::report
