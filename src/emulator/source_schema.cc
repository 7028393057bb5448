#include "emulator/source_schema.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "emulator/py_json.h"

namespace pinpipe::emulator {
namespace {

std::vector<TableSchema> BuildSchemas() {
  using C = ColumnType;
  std::vector<TableSchema> v;
  v.push_back({TableId::kPin, "pinterest_data", "pin",
               {{"index", C::kInt},
                {"unique_id", C::kText},
                {"title", C::kText},
                {"description", C::kText},
                {"poster_name", C::kText},
                {"follower_count", C::kText},
                {"tag_list", C::kText},
                {"is_image_or_video", C::kText},
                {"image_src", C::kText},
                {"downloaded", C::kInt},
                {"save_location", C::kText},
                {"category", C::kText}},
               {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}});
  // The original built the geo payload as ind, latitude, longitude, country, timestamp
  // (see the consumer examples), not in SELECT * order.
  v.push_back({TableId::kGeo, "geolocation_data", "geo",
               {{"ind", C::kInt},
                {"timestamp", C::kDateTime},
                {"latitude", C::kDouble},
                {"longitude", C::kDouble},
                {"country", C::kText}},
               {0, 2, 3, 4, 1}});
  v.push_back({TableId::kUser, "user_data", "user",
               {{"ind", C::kInt},
                {"first_name", C::kText},
                {"last_name", C::kText},
                {"age", C::kInt},
                {"date_joined", C::kDateTime}},
               {0, 1, 2, 3, 4}});
  return v;
}

}  // namespace

const TableSchema& Schema(TableId id) {
  static const std::vector<TableSchema> schemas = BuildSchemas();
  return schemas[static_cast<int>(id)];
}

Row MakeRow(TableId id) { return Row(Schema(id).columns.size()); }

void AppendRowJson(const TableSchema& schema, const Row& row, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (int c : schema.json_order) {
    if (!first) out->append(", ");
    first = false;
    out->push_back('"');
    out->append(schema.columns[c].name);
    out->append("\": ");
    const Cell& cell = row[c];
    if (cell.null) {
      out->append("null");
      continue;
    }
    switch (schema.columns[c].type) {
      case ColumnType::kInt: AppendInt(cell.i, out); break;
      case ColumnType::kDouble: AppendPyFloat(cell.d, out); break;
      case ColumnType::kText:
      case ColumnType::kDateTime: AppendPyJsonString(cell.s, out); break;
    }
  }
  out->push_back('}');
}

bool NormalizeDateTime(std::string_view t, std::string* out) {
  // YYYY-MM-DD[ T]HH:MM:SS, optionally followed by fractional seconds (dropped).
  if (t.size() < 19) return false;
  static constexpr std::string_view kShape = "dddd-dd-dd_dd:dd:dd";
  for (size_t i = 0; i < kShape.size(); ++i) {
    const char want = kShape[i];
    const char c = t[i];
    if (want == 'd' && !std::isdigit(static_cast<unsigned char>(c))) return false;
    if (want == '_' && c != ' ' && c != 'T') return false;
    if (want != 'd' && want != '_' && c != want) return false;
  }
  if (t.size() > 19 && t[19] != '.') return false;
  const int month = (t[5] - '0') * 10 + (t[6] - '0');
  const int day = (t[8] - '0') * 10 + (t[9] - '0');
  const int hour = (t[11] - '0') * 10 + (t[12] - '0');
  const int minute = (t[14] - '0') * 10 + (t[15] - '0');
  const int second = (t[17] - '0') * 10 + (t[18] - '0');
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return false;
  }
  out->assign(t.substr(0, 19));
  (*out)[10] = ' ';
  return true;
}

Status CellFromText(ColumnType type, std::string_view text, Cell* cell) {
  switch (type) {
    case ColumnType::kInt: {
      int64_t v = 0;
      auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
        // Some tools wrote ints as "1.0".
        double d = 0;
        auto rd = std::from_chars(text.data(), text.data() + text.size(), d);
        if (rd.ec != std::errc() || rd.ptr != text.data() + text.size() || d != std::floor(d) ||
            std::fabs(d) > 9e15) {
          return MakeError(ErrorCode::kInvalidArgument,
                           "'" + std::string(text) + "' is not an integer");
        }
        v = static_cast<int64_t>(d);
      }
      cell->SetInt(v);
      return OkStatus();
    }
    case ColumnType::kDouble: {
      double d = 0;
      auto r = std::from_chars(text.data(), text.data() + text.size(), d);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size() || !std::isfinite(d)) {
        return MakeError(ErrorCode::kInvalidArgument, "'" + std::string(text) + "' is not a number");
      }
      cell->SetDouble(d);
      return OkStatus();
    }
    case ColumnType::kText: cell->SetText(text); return OkStatus();
    case ColumnType::kDateTime:
      cell->null = false;
      if (!NormalizeDateTime(text, &cell->s)) {
        cell->null = true;
        return MakeError(ErrorCode::kInvalidArgument,
                         "'" + std::string(text) + "' is not a datetime (YYYY-MM-DD HH:MM:SS)");
      }
      return OkStatus();
  }
  return OkStatus();
}

Status ValidateRow(const TableSchema& schema, const Row& row) {
  if (row.size() != schema.columns.size()) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(schema.name) + ": wrong column count");
  }
  if (row[0].null) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(schema.name) + ": " + std::string(schema.columns[0].name) +
                         " is null");
  }
  return OkStatus();
}

}  // namespace pinpipe::emulator
