#include "lake/delta_rows.h"

#include <cmath>
#include <cstdio>

#include "lake/delta_stats.h"
#include "common/json_writer.h"
#include "lake/parquet_reader.h"

namespace pinpipe::lake {

namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

void AppendDate(int64_t days, std::string* out) {
  // Reuse the timestamp formatter and keep the date part.
  std::string ts = FormatTimestampMillisUtc(days * 86400LL * 1000000LL);
  out->append(ts, 0, ts.find('T'));
}

enum class Render { kJson, kText };

// How one table column is produced for the current row group.
struct ColumnSource {
  const DeltaType* type = nullptr;  // the table schema type
  const LeafData* leaf = nullptr;   // null: the file lacks the column (all null) or partition
  const std::optional<std::string>* partition_value = nullptr;
  bool is_list = false;
  int list_present_def = 0;  // def level of a present (possibly empty) list
  // Cursor state.
  size_t entry = 0, value = 0;
  // Current row.
  bool null = true;
  size_t row_value = 0;                 // primitive: value index
  size_t list_begin = 0, list_end = 0;  // list: level entries of this row
  size_t list_value = 0;                // list: value index of the first present element
};

const DeltaType& ElementType(const DeltaType& t) {
  return t.kind == DeltaType::Kind::kArray ? t.children[0] : t;
}

void AppendScalar(const DeltaType& type, const LeafData& leaf, size_t v, Render mode,
                  std::string* out) {
  const std::string& name = type.primitive;
  switch (leaf.type) {
    case LeafType::kInt32:
      if (name == "date") {
        if (mode == Render::kJson) out->push_back('"');
        AppendDate(leaf.i32[v], out);
        if (mode == Render::kJson) out->push_back('"');
      } else {
        *out += std::to_string(leaf.i32[v]);
      }
      return;
    case LeafType::kInt64:
    case LeafType::kTimestamp:
      if (name == "timestamp" || name == "timestamp_ntz") {
        if (mode == Render::kJson) out->push_back('"');
        *out += FormatTimestampMicrosUtc(leaf.i64[v]);
        if (mode == Render::kJson) out->push_back('"');
      } else {
        *out += std::to_string(leaf.i64[v]);
      }
      return;
    case LeafType::kDouble: {
      double d = leaf.f64[v];
      if (std::isfinite(d)) {
        AppendJsonDouble(*out, d);
      } else {
        const char* s = std::isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
        if (mode == Render::kJson) {
          AppendJsonString(*out, s);
        } else {
          *out += s;
        }
      }
      return;
    }
    case LeafType::kBoolean:
      *out += leaf.b[v] ? "true" : "false";
      return;
    case LeafType::kString:
    case LeafType::kBinary:
      if (mode == Render::kJson) {
        AppendJsonString(*out, leaf.str[v]);
      } else {
        *out += leaf.str[v];
      }
      return;
    case LeafType::kUnsupported:
      *out += "null";
      return;
  }
}

class RowGroupView final : public RowView {
 public:
  explicit RowGroupView(std::vector<ColumnSource>* cols) : cols_(cols) {}

  size_t num_columns() const override { return cols_->size(); }
  bool IsNull(size_t c) const override { return (*cols_)[c].null; }

  void AppendJson(size_t c, std::string* out) const override { Append(c, Render::kJson, out); }
  void AppendText(size_t c, std::string* out) const override {
    if (!(*cols_)[c].null) Append(c, Render::kText, out);
  }

  // Moves every column to the next row.
  void Advance() {
    for (auto& col : *cols_) {
      if (col.partition_value) {
        col.null = !col.partition_value->has_value();
        continue;
      }
      if (!col.leaf) {
        col.null = true;
        continue;
      }
      const LeafData& d = *col.leaf;
      if (!col.is_list) {
        int def = d.max_def == 0 ? 0 : d.def[col.entry];
        ++col.entry;
        col.null = def != d.max_def;
        if (!col.null) col.row_value = col.value++;
        continue;
      }
      // List: the entries of this row run until the next rep == 0.
      col.list_begin = col.entry;
      col.list_value = col.value;
      int first_def = d.def[col.entry];
      size_t e = col.entry + 1;
      while (e < d.def.size() && d.rep[e] != 0) ++e;
      col.list_end = e;
      for (size_t i = col.list_begin; i < e; ++i) col.value += d.def[i] == d.max_def;
      col.entry = e;
      // def 0 (on a nullable list) = null list; a lone entry below the element level = empty.
      col.null = first_def < ListPresentDef(col);
    }
  }

 private:
  static int ListPresentDef(const ColumnSource& col) { return col.list_present_def; }

  void Append(size_t c, Render mode, std::string* out) const {
    const ColumnSource& col = (*cols_)[c];
    if (col.null) {
      *out += "null";
      return;
    }
    if (col.partition_value) {
      const std::string& v = **col.partition_value;
      const std::string& t = col.type->primitive;
      bool numeric = t == "long" || t == "integer" || t == "short" || t == "byte" ||
                     t == "double" || t == "float" || t == "boolean";
      if (mode == Render::kJson && !numeric) {
        AppendJsonString(*out, v);
      } else {
        *out += v;
      }
      return;
    }
    if (!col.is_list) {
      AppendScalar(*col.type, *col.leaf, col.row_value, mode, out);
      return;
    }
    // Arrays render as JSON in both modes.
    const LeafData& d = *col.leaf;
    const DeltaType& elem = ElementType(*col.type);
    out->push_back('[');
    size_t v = col.list_value;
    bool first = true;
    for (size_t i = col.list_begin; i < col.list_end; ++i) {
      if (d.def[i] < ListPresentDef(col) + 1) break;  // an empty list's single entry
      if (!first) out->push_back(',');
      first = false;
      if (d.def[i] == d.max_def) {
        AppendScalar(elem, d, v++, Render::kJson, out);
      } else {
        *out += "null";
      }
    }
    out->push_back(']');
  }

  std::vector<ColumnSource>* cols_;
};

bool Supported(const DeltaType& t) {
  if (t.kind == DeltaType::Kind::kPrimitive) return true;
  return t.kind == DeltaType::Kind::kArray && t.children[0].kind == DeltaType::Kind::kPrimitive;
}

}  // namespace

std::string FormatTimestampMicrosUtc(int64_t micros) {
  std::string s = FormatTimestampMillisUtc(micros);  // "...SS.mmmZ", floored
  char frac[8];
  std::snprintf(frac, sizeof(frac), "%03d",
                static_cast<int>(micros - FloorDiv(micros, 1000) * 1000));
  s.insert(s.size() - 1, frac);
  return s;
}

std::string DecodeDataPath(std::string_view p) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '%' && i + 2 < p.size() && hex(p[i + 1]) >= 0 && hex(p[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(p[i + 1]) * 16 + hex(p[i + 2])));
      i += 2;
    } else {
      out.push_back(p[i]);
    }
  }
  return out;
}

Status ForEachRow(TableStorage& storage, const Snapshot& snapshot, int64_t limit,
                  const std::function<bool(const RowView&)>& fn) {
  const auto& fields = snapshot.schema().fields;
  const auto& partition_cols = snapshot.metadata().partition_columns;
  for (const auto& f : fields) {
    if (!Supported(f.type)) {
      return MakeError(ErrorCode::kUnsupported,
                       "column '" + f.name + "' of type " + f.type.ToString() +
                           " cannot be shown (only primitive and array<primitive> columns)");
    }
  }
  int64_t emitted = 0;
  std::vector<ColumnSource> cols(fields.size());
  std::vector<LeafData> leaves(fields.size());
  RowGroupView view(&cols);
  for (const auto& file : snapshot.files()) {
    std::string key = DecodeDataPath(file.path);
    std::unique_ptr<ParquetReader> reader;
    if (auto local = storage.LocalPath(key)) {
      PINPIPE_ASSIGN_OR_RETURN(reader, ParquetReader::Open(*local));
    } else {
      PINPIPE_ASSIGN_OR_RETURN(std::string bytes, storage.Get(key));
      PINPIPE_ASSIGN_OR_RETURN(reader, ParquetReader::Open(MemorySource(std::move(bytes))));
    }
    const Schema& fs = reader->schema();
    for (size_t rg = 0; rg < reader->num_row_groups(); ++rg) {
      for (size_t c = 0; c < fields.size(); ++c) {
        ColumnSource& col = cols[c];
        col = ColumnSource{};
        col.type = &fields[c].type;
        col.is_list = fields[c].type.kind == DeltaType::Kind::kArray;
        bool is_partition = false;
        for (const auto& p : partition_cols) is_partition |= p == fields[c].name;
        if (is_partition) {
          auto it = file.partition_values.find(fields[c].name);
          static const std::optional<std::string> kNull;
          col.partition_value = it == file.partition_values.end() ? &kNull : &it->second;
          continue;
        }
        int top = fs.FindField(fields[c].name);
        if (top < 0) continue;  // column absent from this file: null
        auto [first, count] = fs.LeafRange(static_cast<size_t>(top));
        const Field& pf = fs.fields()[static_cast<size_t>(top)];
        bool shape_ok = count == 1 && (col.is_list ? pf.kind == Field::Kind::kList
                                                   : pf.kind == Field::Kind::kPrimitive);
        if (!shape_ok || fs.leaves()[first].type == LeafType::kUnsupported) {
          return MakeError(ErrorCode::kUnsupported,
                           file.path + ": column '" + fields[c].name +
                               "' has a Parquet type this reader cannot decode");
        }
        if (col.is_list) {
          bool elem_nullable = !pf.children.empty() && pf.children[0].nullable;
          col.list_present_def = fs.leaves()[first].max_def - 1 - (elem_nullable ? 1 : 0);
        }
        PINPIPE_RETURN_IF_ERROR(reader->ReadLeaf(rg, first, &leaves[c]));
        col.leaf = &leaves[c];
      }
      const int64_t rows = reader->metadata().row_groups[rg].num_rows;
      for (int64_t r = 0; r < rows; ++r) {
        if (limit > 0 && emitted >= limit) return OkStatus();
        view.Advance();
        ++emitted;
        if (!fn(view)) return OkStatus();
      }
    }
  }
  return OkStatus();
}

}  // namespace pinpipe::lake
