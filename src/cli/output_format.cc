#include "cli/output_format.h"

#include <algorithm>
#include <cstdio>
#include <variant>

#include "common/json_writer.h"
#include "pinterest/result_csv.h"
#include "report/terminal_table.h"

namespace pinpipe::cli {

CLI::Option* AddFormatOption(CLI::App* cmd, std::string* format) {
  return cmd
      ->add_option("--format", *format,
                   "Output format: table, json (one array), csv (with a header) or ndjson "
                   "(one object per line)")
      ->check(CLI::IsMember({"table", "json", "csv", "ndjson"}))
      ->capture_default_str();
}

namespace {

void AppendJsonValue(std::string& out, const report::Value& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) {
    AppendJsonInt(out, *i);
  } else if (const auto* d = std::get_if<double>(&v)) {
    AppendJsonDouble(out, *d);
  } else if (report::IsNull(v)) {
    out += "null";
  } else {  // strings; timestamps as their display text
    AppendJsonString(out, report::FormatValue(v));
  }
}

void AppendJsonRow(std::string& out, const report::Table& t, size_t r, bool scalar,
                   const std::vector<bool>& is_bool) {
  const auto& row = t.rows[r];
  if (scalar) {
    AppendJsonValue(out, row.at(0));
    return;
  }
  out += '{';
  for (size_t c = 0; c < t.columns.size(); ++c) {
    if (c) out += ',';
    AppendJsonString(out, t.columns[c].name);
    out += ':';
    const auto* text = std::get_if<std::string>(&row[c]);
    if (is_bool[c] && text && (*text == "true" || *text == "false")) {
      out += *text;
    } else {
      AppendJsonValue(out, row[c]);
    }
  }
  out += '}';
}

}  // namespace

std::string RenderListing(const report::Table& t, std::string_view format,
                          const ListingOptions& options) {
  const bool scalar = options.scalar_json && t.columns.size() == 1;
  std::vector<bool> is_bool(t.columns.size());
  for (size_t c = 0; c < t.columns.size(); ++c) {
    is_bool[c] = std::find(options.json_bool_columns.begin(), options.json_bool_columns.end(),
                           t.columns[c].name) != options.json_bool_columns.end();
  }
  std::string out;
  if (format == "json") {
    out += '[';
    for (size_t r = 0; r < t.rows.size(); ++r) {
      if (r) out += ',';
      AppendJsonRow(out, t, r, scalar, is_bool);
    }
    out += "]\n";
  } else if (format == "ndjson") {
    for (size_t r = 0; r < t.rows.size(); ++r) {
      AppendJsonRow(out, t, r, scalar, is_bool);
      out += '\n';
    }
  } else if (format == "csv") {
    for (size_t c = 0; c < t.columns.size(); ++c) {
      if (c) out += ',';
      pinterest::AppendCsvField(t.columns[c].name, &out);
    }
    out += '\n';
    for (const auto& row : t.rows) {
      for (size_t c = 0; c < t.columns.size(); ++c) {
        if (c) out += ',';
        // Only text cells can be taken for spreadsheet formulas; numbers are data.
        pinterest::AppendCsvField(report::FormatValue(row[c]), &out,
                                  t.columns[c].type == report::ColumnType::kString);
      }
      out += '\n';
    }
  } else {
    report::TerminalTableOptions o;
    o.max_cell_width = options.max_cell_width;
    o.show_title = false;
    o.show_row_count = options.show_row_count;
    o.null_text = "-";
    out += report::RenderTerminalTable(t, o);
    if (!options.table_footer.empty()) out += options.table_footer + "\n";
  }
  return out;
}

void PrintListing(const report::Table& t, std::string_view format, const ListingOptions& options) {
  const std::string s = RenderListing(t, format, options);
  std::fwrite(s.data(), 1, s.size(), stdout);
}

void PrintJsonObjects(const std::vector<std::string>& objects, std::string_view format) {
  std::string out;
  if (format == "json") out += '[';
  for (size_t i = 0; i < objects.size(); ++i) {
    if (format == "json" && i) out += ",\n";
    out += objects[i];
    if (format != "json") out += '\n';
  }
  if (format == "json") out += "]\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
}

std::string Plural(int64_t n, std::string_view singular, std::string_view plural) {
  std::string s = std::to_string(n) + " ";
  if (n == 1) return s + std::string(singular);
  return s + (plural.empty() ? std::string(singular) + "s" : std::string(plural));
}

}  // namespace pinpipe::cli
