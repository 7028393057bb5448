// CSV export of a ResultTable: a header row, then one line per row; fields containing a
// comma, a double quote, CR or LF are quoted with inner quotes doubled (RFC 4180); null is
// an empty field. Lines end with "\n".
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "pinterest/result_table.h"

namespace pinpipe::pinterest {

void AppendCsvField(std::string_view v, std::string* out);
std::string ResultTableToCsv(const ResultTable& table);
// Writes atomically (temporary file + rename).
Status WriteResultCsv(const ResultTable& table, const std::string& path);

}  // namespace pinpipe::pinterest
