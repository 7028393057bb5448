#include "report/terminal_table.h"

#include <algorithm>
#include <vector>

#include "report/text_width.h"

namespace pinpipe::report {
namespace {

std::string Pad(const std::string& s, size_t width, bool right) {
  const size_t w = DisplayWidth(s);
  const std::string fill(width > w ? width - w : 0, ' ');
  return right ? fill + s : s + fill;
}

std::string Cell(std::string text, size_t max_width) {
  text = ReplaceControlCharacters(text);
  return max_width ? TruncateToWidth(text, max_width) : text;
}

}  // namespace

std::string RenderTerminalTable(const Table& table, const TerminalTableOptions& options) {
  const size_t ncols = table.columns.size();
  const size_t shown = options.max_rows ? std::min(options.max_rows, table.rows.size())
                                        : table.rows.size();
  std::vector<std::string> header(ncols);
  std::vector<size_t> width(ncols);
  std::vector<bool> right(ncols);
  for (size_t c = 0; c < ncols; ++c) {
    header[c] = Cell(table.columns[c].name, options.max_cell_width);
    width[c] = DisplayWidth(header[c]);
    right[c] = IsNumeric(table.columns[c].type);
  }
  std::vector<std::vector<std::string>> cells(shown, std::vector<std::string>(ncols));
  for (size_t r = 0; r < shown; ++r) {
    for (size_t c = 0; c < ncols && c < table.rows[r].size(); ++c) {
      const Value& v = table.rows[r][c];
      cells[r][c] = Cell(IsNull(v) ? options.null_text : FormatValue(v), options.max_cell_width);
      width[c] = std::max(width[c], DisplayWidth(cells[r][c]));
    }
  }

  std::string out;
  if (options.show_title && !table.title.empty()) out += ReplaceControlCharacters(table.title) + "\n";
  auto line = [&](const std::vector<std::string>& row) {
    std::string l;
    for (size_t c = 0; c < ncols; ++c) {
      l += (c ? " | " : " ") + Pad(row[c], width[c], right[c]);
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(header);
  std::string rule;
  for (size_t c = 0; c < ncols; ++c) rule += (c ? "+" : "") + std::string(width[c] + 2, '-');
  out += rule + "\n";
  for (const auto& row : cells) line(row);
  if (shown < table.rows.size()) {
    const size_t more = table.rows.size() - shown;
    out += "… " + WithThousandsSeparators(static_cast<int64_t>(more)) + " more row" +
           (more == 1 ? "" : "s") + "\n";
  }
  if (options.show_row_count) {
    const size_t n = table.rows.size();
    out += "(" + WithThousandsSeparators(static_cast<int64_t>(n)) + (n == 1 ? " row)\n" : " rows)\n");
  }
  return out;
}

}  // namespace pinpipe::report
