#include "emulator/db_populate.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <fstream>

#include "emulator/json_value.h"

namespace pinpipe::emulator {
namespace {

constexpr size_t kMaxProblems = 10;

void NoteProblem(LoadSummary* s, std::string what) {
  ++s->invalid;
  if (s->problems.size() < kMaxProblems) s->problems.push_back(std::move(what));
}

// Splits one CSV record (RFC 4180 quoting; a quoted field may span lines, handled by
// the caller joining lines while quotes are unbalanced).
std::vector<std::string> SplitCsv(std::string_view line) {
  std::vector<std::string> out;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(std::move(field));
      field.clear();
    } else {
      field.push_back(c);
    }
  }
  out.push_back(std::move(field));
  return out;
}

bool QuotesBalanced(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += c == '"';
  return n % 2 == 0;
}

// Maps a file's column names onto the schema; -1 where the file lacks a column.
// "index" and "ind" are interchangeable for the key.
Result<std::vector<int>> MapColumns(const TableSchema& schema,
                                    const std::vector<std::string>& names, std::string_view file) {
  std::vector<int> map(schema.columns.size(), -1);
  for (size_t c = 0; c < schema.columns.size(); ++c) {
    for (size_t i = 0; i < names.size(); ++i) {
      std::string_view n = names[i];
      if (n == schema.columns[c].name || (c == 0 && (n == "ind" || n == "index"))) {
        map[c] = static_cast<int>(i);
      }
    }
  }
  if (map[0] < 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(file) + ": no '" + std::string(schema.columns[0].name) +
                         "' column for table " + std::string(schema.name));
  }
  return map;
}

Result<TableId> TableForCsv(const std::string& filename) {
  if (filename.starts_with("geolocation_data")) return TableId::kGeo;
  if (filename.starts_with("user_data")) return TableId::kUser;
  if (filename.starts_with("pinterest_data")) return TableId::kPin;
  return MakeError(ErrorCode::kInvalidArgument, "unknown table for " + filename);
}

Status LoadCsv(SourceDb& db, const std::filesystem::path& path, TableId table, LoadSummary* sum,
               const ProgressFn& progress, int64_t* done) {
  std::ifstream in(path);
  if (!in) return ErrnoError("open", path.string(), errno);
  const TableSchema& schema = Schema(table);
  std::string line;
  if (!std::getline(in, line)) return OkStatus();
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
  PINPIPE_ASSIGN_OR_RETURN(std::vector<int> map, MapColumns(schema, SplitCsv(line), path.string()));
  Row row = MakeRow(table);
  int64_t lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    while (!QuotesBalanced(line)) {
      std::string more;
      if (!std::getline(in, more)) break;
      line += "\n" + more;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto fields = SplitCsv(line);
    Status st = OkStatus();
    for (size_t c = 0; c < schema.columns.size() && st; ++c) {
      if (map[c] < 0 || static_cast<size_t>(map[c]) >= fields.size()) {
        row[c].SetNull();
        continue;
      }
      const std::string& f = fields[map[c]];
      if (f.empty() && schema.columns[c].type != ColumnType::kText) {
        row[c].SetNull();
        continue;
      }
      st = CellFromText(schema.columns[c].type, f, &row[c]);
      if (!st) {
        st = MakeError(ErrorCode::kInvalidArgument,
                       std::string(schema.columns[c].name) + ": " + st.error().message());
      }
    }
    if (st) st = ValidateRow(schema, row);
    if (!st) {
      NoteProblem(sum, path.filename().string() + " line " + std::to_string(lineno) + ": " +
                           st.error().message());
      continue;
    }
    PINPIPE_RETURN_IF_ERROR(db.Insert(table, row));
    ++sum->rows[static_cast<int>(table)];
    if (progress) progress(++*done);
  }
  return OkStatus();
}

Result<TableId> TableForJson(const JsonValue& v) {
  if (v.Find("unique_id") || v.Find("category")) return TableId::kPin;
  if (v.Find("latitude") || v.Find("country")) return TableId::kGeo;
  if (v.Find("first_name") || v.Find("age")) return TableId::kUser;
  return MakeError(ErrorCode::kInvalidArgument, "not a pin, geo or user row");
}

// Lenient decoding, as the data was: numbers may be JSON strings, strings may be numbers.
Status CellFromJson(ColumnType type, const JsonValue& v, Cell* cell) {
  if (v.is_null()) {
    cell->SetNull();
    return OkStatus();
  }
  if (v.is_string() || v.is_number()) return CellFromText(type, v.text(), cell);
  return MakeError(ErrorCode::kInvalidArgument, "not a scalar");
}

Status LoadJsonl(SourceDb& db, const std::string& file, LoadSummary* sum,
                 const ProgressFn& progress, int64_t* done) {
  std::ifstream in(file);
  if (!in) return ErrnoError("open", file, errno);
  std::string line;
  int64_t lineno = 0;
  std::array<Row, 3> rows = {MakeRow(TableId::kPin), MakeRow(TableId::kGeo),
                             MakeRow(TableId::kUser)};
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto where = [&] {
      return std::filesystem::path(file).filename().string() + " line " + std::to_string(lineno) +
             ": ";
    };
    auto v = JsonValue::Parse(line);
    if (!v || !v->is_object()) {
      NoteProblem(sum, where() + (v ? "not a JSON object" : v.error().message()));
      continue;
    }
    auto table = TableForJson(*v);
    if (!table) {
      NoteProblem(sum, where() + table.error().message());
      continue;
    }
    const TableSchema& schema = Schema(*table);
    Row& row = rows[static_cast<int>(*table)];
    Status st = OkStatus();
    for (size_t c = 0; c < schema.columns.size() && st; ++c) {
      const JsonValue* f = v->Find(schema.columns[c].name);
      if (!f && c == 0) f = v->Find(*table == TableId::kPin ? "ind" : "index");
      if (!f) {
        row[c].SetNull();
        continue;
      }
      st = CellFromJson(schema.columns[c].type, *f, &row[c]);
      if (!st) {
        st = MakeError(ErrorCode::kInvalidArgument,
                       std::string(schema.columns[c].name) + ": " + st.error().message());
      }
    }
    if (st) st = ValidateRow(schema, row);
    if (!st) {
      NoteProblem(sum, where() + st.error().message());
      continue;
    }
    PINPIPE_RETURN_IF_ERROR(db.Insert(*table, row));
    ++sum->rows[static_cast<int>(*table)];
    if (progress) progress(++*done);
  }
  return OkStatus();
}

}  // namespace

void ToRows(const pinterest::GeneratedRow& g, Row* pin, Row* geo, Row* user) {
  Row& p = *pin;
  p[0].SetInt(g.pin.index);
  p[1].SetText(g.pin.unique_id);
  p[2].SetText(g.pin.title);
  p[3].SetText(g.pin.description);
  p[4].SetText(g.pin.poster_name);
  p[5].SetText(g.pin.follower_count);
  p[6].SetText(g.pin.tag_list);
  p[7].SetText(g.pin.is_image_or_video);
  p[8].SetText(g.pin.image_src);
  p[9].SetInt(g.pin.downloaded);
  p[10].SetText(g.pin.save_location);
  p[11].SetText(g.pin.category);
  Row& o = *geo;
  o[0].SetInt(g.geo.ind);
  o[1].SetText(g.geo.timestamp);
  o[2].SetDouble(g.geo.latitude);
  o[3].SetDouble(g.geo.longitude);
  o[4].SetText(g.geo.country);
  Row& u = *user;
  u[0].SetInt(g.user.ind);
  u[1].SetText(g.user.first_name);
  u[2].SetText(g.user.last_name);
  u[3].SetInt(g.user.age);
  u[4].SetText(g.user.date_joined);
}

Status PopulateGenerated(SourceDb& db, const pinterest::GeneratorOptions& options,
                         const ProgressFn& progress) {
  PINPIPE_RETURN_IF_ERROR(db.CreateTables());
  PINPIPE_RETURN_IF_ERROR(db.BeginBulk());
  pinterest::DatasetGenerator gen(options);
  pinterest::GeneratedRow g;
  Row pin = MakeRow(TableId::kPin), geo = MakeRow(TableId::kGeo), user = MakeRow(TableId::kUser);
  while (!gen.Done()) {
    gen.Next(&g);
    ToRows(g, &pin, &geo, &user);
    PINPIPE_RETURN_IF_ERROR(db.Insert(TableId::kPin, pin));
    PINPIPE_RETURN_IF_ERROR(db.Insert(TableId::kGeo, geo));
    PINPIPE_RETURN_IF_ERROR(db.Insert(TableId::kUser, user));
    if (progress) progress(gen.next_index());
  }
  return db.EndBulk();
}

Result<LoadSummary> LoadDumps(SourceDb& db, const std::string& csv_dir,
                              const std::vector<std::string>& jsonl_files, bool create_tables,
                              const ProgressFn& progress) {
  namespace fs = std::filesystem;
  LoadSummary sum;
  std::vector<std::pair<fs::path, TableId>> csvs;
  if (!csv_dir.empty()) {
    std::error_code ec;
    if (!fs::is_directory(csv_dir, ec)) {
      return MakeError(ErrorCode::kNotFound, "--csv " + csv_dir + " is not a directory");
    }
    for (const auto& e : fs::directory_iterator(csv_dir)) {
      const std::string name = e.path().filename().string();
      if (e.path().extension() != ".csv") continue;
      if (auto t = TableForCsv(name)) csvs.emplace_back(e.path(), *t);
    }
    if (csvs.empty()) {
      return MakeError(ErrorCode::kNotFound,
                       csv_dir + " has no geolocation_data.csv, user_data.csv or "
                                 "pinterest_data.csv");
    }
    std::sort(csvs.begin(), csvs.end());
  }
  if (create_tables) {
    PINPIPE_RETURN_IF_ERROR(db.CreateTables());
  } else {
    PINPIPE_RETURN_IF_ERROR(db.CheckTables());
  }
  PINPIPE_RETURN_IF_ERROR(db.BeginBulk());
  int64_t done = 0;
  for (const auto& [path, table] : csvs) {
    PINPIPE_RETURN_IF_ERROR(LoadCsv(db, path, table, &sum, progress, &done));
  }
  for (const auto& f : jsonl_files) {
    PINPIPE_RETURN_IF_ERROR(LoadJsonl(db, f, &sum, progress, &done));
  }
  PINPIPE_RETURN_IF_ERROR(db.EndBulk());
  return sum;
}

}  // namespace pinpipe::emulator
