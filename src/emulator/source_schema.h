// The source database's three tables (domain.md §1): columns in `SELECT *` order with
// their types, the JSON key order the emulator posts, and a reusable row of cells.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pinpipe::emulator {

enum class TableId { kPin = 0, kGeo = 1, kUser = 2 };
constexpr std::array<TableId, 3> kAllTables = {TableId::kPin, TableId::kGeo, TableId::kUser};

enum class ColumnType { kInt, kDouble, kText, kDateTime };

struct Column {
  std::string_view name;
  ColumnType type;
};

struct TableSchema {
  TableId id;
  std::string_view name;          // pinterest_data, geolocation_data, user_data
  std::string_view topic_suffix;  // pin, geo, user
  std::vector<Column> columns;    // SELECT * order; column 0 is the int primary key
  std::vector<int> json_order;    // column indexes in the order the original posted them
};

const TableSchema& Schema(TableId id);

// One value. Datetimes are text "YYYY-MM-DD HH:MM:SS" (what json.dumps(default=str)
// printed for a datetime). Strings are reused across rows to avoid per-row allocation.
struct Cell {
  bool null = true;
  int64_t i = 0;
  double d = 0;
  std::string s;

  void SetNull() { null = true; }
  void SetInt(int64_t v) { null = false; i = v; }
  void SetDouble(double v) { null = false; d = v; }
  void SetText(std::string_view v) { null = false; s.assign(v); }
};

using Row = std::vector<Cell>;

// A row sized for the table.
Row MakeRow(TableId id);

// Appends the row as the original posted it: {"index": 10794, "unique_id": "...", ...}.
void AppendRowJson(const TableSchema& schema, const Row& row, std::string* out);

// Parses a cell from text according to its column type (from a CSV file or a database's
// text protocol). "2020-08-28T03:52:47" is accepted and normalized to a space.
Status CellFromText(ColumnType type, std::string_view text, Cell* cell);

// Checks "YYYY-MM-DD HH:MM:SS" (or with 'T'); normalizes into `out`.
bool NormalizeDateTime(std::string_view text, std::string* out);

// Reports a row that cannot be posted (null key, wrong size).
Status ValidateRow(const TableSchema& schema, const Row& row);

}  // namespace pinpipe::emulator
