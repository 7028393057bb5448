#include "pinterest/result_csv.h"

#include <cerrno>
#include <cstdio>

namespace pinpipe::pinterest {

bool CsvCellLooksLikeFormula(std::string_view v) {
  if (v.empty()) return false;
  switch (v.front()) {
    case '=': case '+': case '-': case '@': case '\t': case '\r': return true;
    default: return false;
  }
}

void AppendCsvField(std::string_view v, std::string* out, bool text) {
  const bool formula = text && CsvCellLooksLikeFormula(v);
  if (!formula && v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(v);
    return;
  }
  out->push_back('"');
  if (formula) out->push_back('\'');
  for (char c : v) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

std::string ResultTableToCsv(const ResultTable& table) {
  std::string out;
  for (size_t c = 0; c < table.columns.size(); ++c) {
    if (c) out.push_back(',');
    AppendCsvField(table.columns[c].name, &out);
  }
  out.push_back('\n');
  for (size_t r = 0; r < table.num_rows(); ++r) {
    for (size_t c = 0; c < table.columns.size(); ++c) {
      if (c) out.push_back(',');
      const ResultColumn& col = table.columns[c];
      AppendCsvField(col.Text(r), &out, col.type == ColumnType::kString);
    }
    out.push_back('\n');
  }
  return out;
}

Status WriteResultCsv(const ResultTable& table, const std::string& path) {
  const std::string text = ResultTableToCsv(table);
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return ErrnoError("open", tmp, errno);
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int err = errno;
  if (std::fclose(f) != 0 || !ok) {
    std::remove(tmp.c_str());
    return ErrnoError("write", tmp, ok ? errno : err);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoError("rename", path, errno);
  return OkStatus();
}

}  // namespace pinpipe::pinterest
