#include "ui/trace_part_file.h"

#include <simdjson.h>

#include <charconv>

#include "lake/delta_rows.h"
#include "lake/parquet_reader.h"

namespace pinpipe::ui {
namespace {

std::optional<int64_t> IntOf(simdjson::dom::element e) {
  int64_t v = 0;
  if (e.get_int64().get(v) == simdjson::SUCCESS) return v;
  double d = 0;
  if (e.get_double().get(d) == simdjson::SUCCESS && d == static_cast<double>(static_cast<int64_t>(d))) {
    return static_cast<int64_t>(d);
  }
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size()) return v;
  }
  return std::nullopt;
}

// Whether the add's stats admit `ind` (no stats, or no bounds for it: yes).
bool StatsAdmit(const lake::AddFile& add, int64_t ind, simdjson::dom::parser& parser) {
  if (!add.stats) return true;
  simdjson::dom::element doc;
  if (parser.parse(*add.stats).get(doc) != simdjson::SUCCESS) return true;
  simdjson::dom::element lo, hi;
  if (doc["minValues"]["ind"].get(lo) == simdjson::SUCCESS) {
    if (auto v = IntOf(lo); v && ind < *v) return false;
  }
  if (doc["maxValues"]["ind"].get(hi) == simdjson::SUCCESS) {
    if (auto v = IntOf(hi); v && ind > *v) return false;
  }
  return true;
}

Result<std::unique_ptr<lake::ParquetReader>> OpenPart(lake::TableStorage& storage, const std::string& key) {
  if (auto local = storage.LocalPath(key)) return lake::ParquetReader::Open(*local);
  PINPIPE_ASSIGN_OR_RETURN(std::string bytes, storage.Get(key));
  return lake::ParquetReader::Open(lake::MemorySource(std::move(bytes)));
}

}  // namespace

std::optional<int64_t> RecordInd(std::string_view value_json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(value_json.data(), value_json.size()).get(doc) != simdjson::SUCCESS || !doc.is_object()) return std::nullopt;
  for (const char* name : {"index", "ind"}) {
    simdjson::dom::element e;
    if (doc[name].get(e) == simdjson::SUCCESS) return IntOf(e);
  }
  return std::nullopt;
}

namespace {

// The first row of `adds` whose value in `column` satisfies `match(leaf, value index)`;
// `admit(add)` prunes files first.
template <typename Admit, typename Match>
Result<std::optional<PartRow>> FindRow(lake::TableStorage& storage, const std::vector<lake::AddFile>& adds,
                                       const std::string& column, Admit&& admit, Match&& match) {
  int files_read = 0;
  for (const auto& add : adds) {
    if (!admit(add)) continue;
    ++files_read;
    PINPIPE_ASSIGN_OR_RETURN(auto reader, OpenPart(storage, lake::DecodeDataPath(add.path)));
    int64_t row0 = 0;  // rows before this row group
    for (size_t rg = 0; rg < reader->num_row_groups(); ++rg) {
      PINPIPE_ASSIGN_OR_RETURN(lake::ColumnBatch batch, reader->ReadRowGroup(rg, {column}));
      const lake::LeafData* col = batch.column(column);
      if (!col || col->max_rep != 0) return MakeError(ErrorCode::kUnsupported, "column " + column + " is not a flat column");
      // Nulls have no value: walk the definition levels beside the values.
      size_t v = 0;
      const size_t entries = col->num_entries();
      for (size_t i = 0; i < entries; ++i) {
        if (col->max_def > 0 && col->def[i] != col->max_def) continue;
        PINPIPE_ASSIGN_OR_RETURN(bool hit, match(*col, v));
        if (hit) return std::optional<PartRow>(PartRow{add.path, row0 + static_cast<int64_t>(i), files_read});
        ++v;
      }
      row0 += static_cast<int64_t>(entries);
    }
  }
  return std::optional<PartRow>();
}

}  // namespace

Result<std::optional<PartRow>> FindPartRow(lake::TableStorage& storage, const std::vector<lake::AddFile>& adds, int64_t ind) {
  simdjson::dom::parser parser;
  return FindRow(storage, adds, "ind", [&](const lake::AddFile& add) { return StatsAdmit(add, ind, parser); },
                 [&](const lake::LeafData& col, size_t v) -> Result<bool> {
                   if (col.type == lake::LeafType::kInt64) return v < col.i64.size() && col.i64[v] == ind;
                   if (col.type == lake::LeafType::kInt32) return v < col.i32.size() && int64_t{col.i32[v]} == ind;
                   return MakeError(ErrorCode::kUnsupported, "column ind is not an integer");
                 });
}

Result<std::optional<PartRow>> FindQuarantineRow(lake::TableStorage& storage, const std::vector<lake::AddFile>& adds,
                                                 std::string_view raw) {
  return FindRow(storage, adds, "raw", [](const lake::AddFile&) { return true; },
                 [&](const lake::LeafData& col, size_t v) -> Result<bool> {
                   if (col.type != lake::LeafType::kBinary && col.type != lake::LeafType::kString) {
                     return MakeError(ErrorCode::kUnsupported, "column raw is not a string");
                   }
                   return v < col.str.size() && col.str[v] == raw;
                 });
}

}  // namespace pinpipe::ui
