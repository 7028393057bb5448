// Aligned terminal tables in psql's style:
//
//    country     | category  | category_count
//   -------------+-----------+----------------
//    Afghanistan | education |             12
//   (1 row)
//
// Numbers are right-aligned, widths count terminal columns (UTF-8 aware), long cells are cut
// with "…", and an optional row limit ends with "… N more rows".
#pragma once

#include <cstddef>
#include <string>

#include "report/table.h"

namespace pinpipe::report {

struct TerminalTableOptions {
  size_t max_cell_width = 40;  // columns; 0 = unlimited
  size_t max_rows = 0;         // 0 = all rows
  bool show_title = true;      // the table's title above it
  bool show_row_count = true;  // "(N rows)" below it
  std::string null_text;       // what a null cell shows
};

std::string RenderTerminalTable(const Table& table, const TerminalTableOptions& options = {});

}  // namespace pinpipe::report
