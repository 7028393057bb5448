#include "lake/delta_rows.h"

#include <cmath>
#include <cstdio>

#include <cstdlib>

#include "common/json_writer.h"
#include "lake/delta_column_mapping.h"
#include "lake/delta_deletion_vector.h"
#include "lake/delta_stats.h"
#include "lake/parquet_reader.h"
#include "lake/parquet_row_render.h"
#include "lake/parquet_value_format.h"

namespace pinpipe::lake {

namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// The file child that holds table field f (physical name, or field id in id mode), or -1.
int FindChild(const std::vector<RenderNode>& children, const DeltaField& f, ColumnMappingMode mode) {
  FieldMapping m = mode == ColumnMappingMode::kNone ? FieldMapping{f.name, std::nullopt} : MappingOf(f);
  for (size_t i = 0; i < children.size(); ++i) {
    const RenderNode& c = children[i];
    if (mode == ColumnMappingMode::kId && m.id) {
      if (c.field_id && *c.field_id == *m.id) return static_cast<int>(i);
    } else if (c.name == m.physical_name) {
      return static_cast<int>(i);
    }
  }
  // id mode with files that carry no field ids: fall back to the physical name.
  if (mode == ColumnMappingMode::kId)
    for (size_t i = 0; i < children.size(); ++i)
      if (!children[i].field_id && children[i].name == m.physical_name) return static_cast<int>(i);
  return -1;
}

int64_t RowGroupFirstRow(const ParquetReader& r, size_t rg) {
  int64_t n = 0;
  for (size_t g = 0; g < rg; ++g) n += r.metadata().row_groups[g].num_rows;
  return n;
}

enum class Render { kJson, kText };

// How one table column is produced for the current row group.
struct ColumnSource {
  const DeltaType* type = nullptr;  // the table schema type
  const std::optional<std::string>* partition_value = nullptr;
  bool present = false;  // the file has the column
  RenderNode node;       // its render tree (file leaf indices), reshaped to the table schema
  // Current row.
  bool null = true;
  int64_t value = -1;    // top-level primitive: value index into leaf
  const LeafData* leaf = nullptr;
  std::string json;      // nested: the rendered cell
};

Status Mismatch(const std::string& file, const std::string& column, const DeltaType& t) {
  return MakeError(ErrorCode::kUnsupported, file + ": column '" + column + "' of type " + t.ToString() +
                                                " does not match the Parquet type in the file");
}

// Decimal scale from "decimal(p,s)".
int32_t DecimalScale(const std::string& t) {
  auto comma = t.find(',');
  if (comma == std::string::npos) return 0;
  return std::atoi(t.c_str() + comma + 1);
}

// Shapes the file's render tree like the table's type: table names (column mapping), table
// field order, missing fields as null, file-only fields hidden, formats from the Delta type.
Status Reshape(RenderNode* n, const DeltaType& t, ColumnMappingMode mode, const std::string& file,
               const std::string& column) {
  switch (t.kind) {
    case DeltaType::Kind::kPrimitive: {
      if (n->kind != RenderNode::Kind::kPrimitive) return Mismatch(file, column, t);
      ValueFormat& f = n->format;
      const std::string& p = t.primitive;
      if (p == "timestamp" || p == "timestamp_ntz") {
        if (f.kind == ValueFormat::kInt) {
          f.kind = ValueFormat::kTimestamp;
          f.unit = 2;
        }
        if (f.kind == ValueFormat::kTimestamp) f.utc = p == "timestamp";
      } else if (p == "date") {
        if (f.kind == ValueFormat::kInt) f.kind = ValueFormat::kDate;
      } else if (p == "string") {
        if (f.kind == ValueFormat::kBinary) f.kind = ValueFormat::kString;
      } else if (p.starts_with("decimal")) {
        if (f.kind == ValueFormat::kInt || f.kind == ValueFormat::kBinary) {
          f.kind = ValueFormat::kDecimal;
          f.scale = DecimalScale(p);
        }
      }
      return OkStatus();
    }
    case DeltaType::Kind::kArray:
      if (n->kind != RenderNode::Kind::kList || n->children.size() != 1) return Mismatch(file, column, t);
      return Reshape(&n->children[0], t.children[0], mode, file, column);
    case DeltaType::Kind::kMap:
      if (n->kind != RenderNode::Kind::kMap || n->children.size() != 2) return Mismatch(file, column, t);
      PINPIPE_RETURN_IF_ERROR(Reshape(&n->children[0], t.children[0], mode, file, column));
      return Reshape(&n->children[1], t.children[1], mode, file, column);
    case DeltaType::Kind::kStruct: {
      if (n->kind != RenderNode::Kind::kStruct) return Mismatch(file, column, t);
      std::vector<RenderNode> from = std::move(n->children);
      std::vector<bool> used(from.size(), false);
      n->children.clear();
      for (const auto& df : t.fields) {
        int match = FindChild(from, df, mode);
        if (match < 0 || used[static_cast<size_t>(match)]) {
          RenderNode missing;
          missing.kind = RenderNode::Kind::kMissing;
          missing.name = df.name;
          n->children.push_back(std::move(missing));
          continue;
        }
        used[static_cast<size_t>(match)] = true;
        RenderNode c = std::move(from[static_cast<size_t>(match)]);
        c.name = df.name;
        PINPIPE_RETURN_IF_ERROR(Reshape(&c, df.type, mode, file, column + "." + df.name));
        n->children.push_back(std::move(c));
      }
      for (size_t i = 0; i < from.size(); ++i) {
        if (used[i]) continue;
        from[i].hidden = true;
        n->children.push_back(std::move(from[i]));
      }
      return OkStatus();
    }
  }
  return OkStatus();
}

void AppendPartitionValue(const ColumnSource& col, Render mode, std::string* out) {
  const std::string& v = **col.partition_value;
  const std::string& t = col.type->primitive;
  bool numeric = t == "long" || t == "integer" || t == "short" || t == "byte" || t == "double" ||
                 t == "float" || t == "boolean" || t.starts_with("decimal");
  if (mode == Render::kJson && !numeric) {
    AppendJsonString(*out, v);
  } else {
    *out += v;
  }
}

class RowGroupView final : public RowView {
 public:
  RowGroupView(std::vector<ColumnSource>* cols, RowAssembler* rows) : cols_(cols), rows_(rows) {}

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
      } else if (!col.present) {
        col.null = true;
      } else if (col.node.kind == RenderNode::Kind::kPrimitive) {
        col.value = rows_->NextPrimitive(col.node);
        col.null = col.value < 0;
      } else {
        col.json.clear();
        rows_->Render(col.node, &col.json);
        col.null = col.json == "null";
      }
    }
  }

 private:
  void Append(size_t c, Render mode, std::string* out) const {
    const ColumnSource& col = (*cols_)[c];
    if (col.null) {
      *out += "null";
    } else if (col.partition_value) {
      AppendPartitionValue(col, mode, out);
    } else if (col.node.kind == RenderNode::Kind::kPrimitive) {
      AppendValue(col.node.format, *col.leaf, static_cast<size_t>(col.value), mode == Render::kJson, out);
    } else {
      *out += col.json;  // nested values render as JSON in both modes
    }
  }

  std::vector<ColumnSource>* cols_;
  RowAssembler* rows_;
};

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
  const ColumnMappingMode mode = MappingModeOf(snapshot.metadata());
  std::vector<FieldMapping> mapping;
  for (const auto& f : fields) mapping.push_back(mode == ColumnMappingMode::kNone ? FieldMapping{f.name, std::nullopt} : MappingOf(f));
  int64_t emitted = 0;
  std::vector<ColumnSource> cols(fields.size());
  std::vector<LeafData> leaves;
  std::vector<const LeafData*> leaf_ptrs;
  RowAssembler rows;
  RowGroupView view(&cols, &rows);
  for (const auto& file : snapshot.files()) {
    std::string key = DecodeDataPath(file.path);
    std::unique_ptr<ParquetReader> reader;
    if (auto local = storage.LocalPath(key)) {
      PINPIPE_ASSIGN_OR_RETURN(reader, ParquetReader::Open(*local));
    } else {
      PINPIPE_ASSIGN_OR_RETURN(std::string bytes, storage.Get(key));
      PINPIPE_ASSIGN_OR_RETURN(reader, ParquetReader::Open(MemorySource(std::move(bytes))));
    }
    PINPIPE_ASSIGN_OR_RETURN(DeletedRows deleted, LoadDeletedRows(storage, file));
    const Schema& fs = reader->schema();
    // The file's top-level fields as render nodes, matched to the table's columns.
    std::vector<RenderNode> tops;
    for (size_t t = 0; t < fs.fields().size(); ++t) tops.push_back(BuildRenderNode(fs, t));
    std::vector<bool> needed(fs.leaves().size(), false);
    for (size_t c = 0; c < fields.size(); ++c) {
      ColumnSource& col = cols[c];
      col = ColumnSource{};
      col.type = &fields[c].type;
      bool is_partition = false;
      for (const auto& p : partition_cols) is_partition |= p == fields[c].name;
      if (is_partition) {
        // With column mapping the partition values are keyed by physical name.
        auto it = file.partition_values.find(mapping[c].physical_name);
        if (it == file.partition_values.end()) it = file.partition_values.find(fields[c].name);
        static const std::optional<std::string> kNull;
        col.partition_value = it == file.partition_values.end() ? &kNull : &it->second;
        continue;
      }
      int top = FindChild(tops, fields[c], mode);
      if (top < 0) continue;  // column absent from this file: null
      col.node = tops[static_cast<size_t>(top)];
      col.node.name = fields[c].name;
      PINPIPE_RETURN_IF_ERROR(Reshape(&col.node, fields[c].type, mode, file.path, fields[c].name));
      col.present = true;
      for (size_t l = col.node.first_leaf; l < col.node.end_leaf; ++l) needed[l] = true;
    }
    leaves.resize(fs.leaves().size());
    for (size_t rg = 0; rg < reader->num_row_groups(); ++rg) {
      leaf_ptrs.assign(fs.leaves().size(), nullptr);
      for (size_t l = 0; l < fs.leaves().size(); ++l) {
        if (!needed[l]) continue;
        PINPIPE_RETURN_IF_ERROR(reader->ReadLeaf(rg, l, &leaves[l]));
        leaf_ptrs[l] = &leaves[l];
      }
      for (auto& col : cols)
        if (col.present && col.node.kind == RenderNode::Kind::kPrimitive) col.leaf = leaf_ptrs[col.node.first_leaf];
      rows.Reset(leaf_ptrs);
      const int64_t num_rows = reader->metadata().row_groups[rg].num_rows;
      const int64_t first_row = RowGroupFirstRow(*reader, rg);
      for (int64_t r = 0; r < num_rows; ++r) {
        view.Advance();
        if (deleted.Contains(static_cast<uint64_t>(first_row + r))) continue;  // deletion vector
        if (limit > 0 && emitted >= limit) return OkStatus();
        ++emitted;
        if (!fn(view)) return OkStatus();
      }
    }
  }
  return OkStatus();
}

}  // namespace pinpipe::lake
