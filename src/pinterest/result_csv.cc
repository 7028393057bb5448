#include "pinterest/result_csv.h"

#include <cerrno>
#include <cstdio>

namespace pinpipe::pinterest {

void AppendCsvField(std::string_view v, std::string* out) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(v);
    return;
  }
  out->push_back('"');
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
      AppendCsvField(table.columns[c].Text(r), &out);
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
