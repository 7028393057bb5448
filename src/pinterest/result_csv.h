// CSV export of a ResultTable: a header row, then one line per row; fields containing a
// comma, a double quote, CR or LF are quoted with inner quotes doubled (RFC 4180); null is
// an empty field. Lines end with "\n".
//
// Formula injection (OWASP "CSV Injection"): a spreadsheet evaluates a cell that starts with
// '=', '+', '-', '@', TAB or CR. Text cells (string columns, header names) that start so are
// written with a leading single quote and quoted: "'=1+2". Numeric and timestamp cells are
// data, never neutralised: -3.5 in a double column stays -3.5.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "pinterest/result_table.h"

namespace pinpipe::pinterest {

// `text`: the cell comes from a string column (or is a header) and is neutralised if needed.
void AppendCsvField(std::string_view v, std::string* out, bool text = true);
// True when a spreadsheet would take the text cell `v` for a formula.
bool CsvCellLooksLikeFormula(std::string_view v);
std::string ResultTableToCsv(const ResultTable& table);
// Writes atomically (temporary file + rename).
Status WriteResultCsv(const ResultTable& table, const std::string& path);

}  // namespace pinpipe::pinterest
