// One output flag for every listing command (issue 19 §4): `--format table|json|csv|ndjson`.
// A command builds a report::Table (column names and typed rows) and prints it with
// PrintListing, so the same rows come out in every format:
//   table   psql-style aligned table (report/terminal_table.h), "(N rows)" below it
//   json    one JSON array of objects, one key per column (ints and doubles as numbers)
//   csv     a header row, then RFC 4180 rows (pinterest/result_csv.h's quoting)
//   ndjson  one JSON object per line
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "report/table.h"

namespace pinpipe::cli {

// Adds `--format` with its one help text and validator; `*format` keeps its default.
CLI::Option* AddFormatOption(CLI::App* cmd, std::string* format);

struct ListingOptions {
  // A one-column listing whose JSON is a list of bare values (["a","b"], `topics list`)
  // rather than objects; csv and table still have the column's header.
  bool scalar_json = false;
  // Printed after the table (table format only), e.g. "events: 1 partition, 3 records".
  std::string table_footer;
  bool show_row_count = true;
  size_t max_cell_width = 0;  // table: cut longer cells with "…" (0 = never)
  // String columns whose "true"/"false" cells are JSON booleans (report::Value has no bool).
  std::vector<std::string> json_bool_columns;
};

std::string RenderListing(const report::Table& t, std::string_view format,
                          const ListingOptions& options = {});
void PrintListing(const report::Table& t, std::string_view format,
                  const ListingOptions& options = {});

// Rows that are already JSON objects (nested values a report::Table cannot hold, e.g. Delta's
// commitInfo): "json" prints one array, "ndjson" one object per line.
void PrintJsonObjects(const std::vector<std::string>& objects, std::string_view format);

// "1 partition", "3 records": the count and the noun, plural unless the count is 1.
std::string Plural(int64_t n, std::string_view singular, std::string_view plural = {});

}  // namespace pinpipe::cli
