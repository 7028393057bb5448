#include "batch/table_writer.h"

#include <algorithm>
#include <filesystem>
#include <cstdio>
#include <thread>

#include "common/utf8.h"
#include "lake/delta_data_file.h"
#include "lake/delta_stats.h"
#include "lake/delta_table.h"
#include "lake/delta_uuid.h"
#include "lake/parquet_writer.h"

namespace pinpipe::batch {
namespace {

using pinterest::ColumnType;

// Rows per ColumnBatch handed to the Parquet writer: bounds the copy of the columns that
// exists at once (the writer itself buffers one row group).
constexpr size_t kChunkRows = 64 * 1024;
// Tables smaller than this stay one file.
constexpr size_t kRowsPerPart = 100'000;

void FillString(const pinterest::StringColumn& c, size_t b, size_t e, lake::LeafData& leaf) {
  const auto& off = c.offsets();
  const auto& valid = c.validity();
  auto& bytes = leaf.str.mutable_bytes();
  auto& offsets = leaf.str.mutable_offsets();
  const uint64_t base = bytes.size();
  // One exact allocation rather than append's doubling (which copies the bytes again).
  bytes.reserve(base + (off[e] - off[b]));
  offsets.reserve(offsets.size() + (e - b));
  bytes.append(c.arena().data() + off[b], off[e] - off[b]);  // nulls are empty ranges
  const uint8_t max_def = static_cast<uint8_t>(leaf.max_def);
  for (size_t r = b; r < e; ++r) {
    if (valid[r]) {
      offsets.push_back(base + off[r + 1] - off[b]);
      if (max_def) leaf.def.push_back(max_def);
    } else {
      leaf.def.push_back(0);
    }
  }
}

template <typename T, typename V>
void FillNumeric(const pinterest::NumericColumn<T>& c, size_t b, size_t e, std::vector<V>& values,
                 lake::LeafData& leaf) {
  const uint8_t max_def = static_cast<uint8_t>(leaf.max_def);
  for (size_t r = b; r < e; ++r) {
    if (c.valid[r]) {
      values.push_back(static_cast<V>(c.values[r]));
      if (max_def) leaf.def.push_back(max_def);
    } else {
      leaf.def.push_back(0);
    }
  }
}

void FillColumn(const ColumnRef& c, size_t b, size_t e, lake::LeafData& leaf) {
  switch (c.type) {
    case ColumnType::kLong:
    case ColumnType::kTimestamp:
      if (c.plain) {
        leaf.i64.insert(leaf.i64.end(), c.plain->begin() + b, c.plain->begin() + e);
        if (leaf.max_def) leaf.def.insert(leaf.def.end(), e - b, static_cast<uint8_t>(leaf.max_def));
      } else {
        FillNumeric(*c.i64, b, e, leaf.i64, leaf);
      }
      break;
    case ColumnType::kInt:
      FillNumeric(*c.i32, b, e, leaf.i32, leaf);
      break;
    case ColumnType::kDouble:
      FillNumeric(*c.f64, b, e, leaf.f64, leaf);
      break;
    case ColumnType::kString:
      FillString(*c.str, b, e, leaf);
      break;
    case ColumnType::kDoubleArray:
      for (size_t r = b; r < e; ++r) {
        const double v[2] = {c.element0->values[r], c.element1->values[r]};
        const bool ok[2] = {c.element0->valid[r] != 0, c.element1->valid[r] != 0};
        leaf.AppendDoubleList(v, ok);
      }
      break;
  }
}

// One data file holding rows [b, e), named like Spark's part files
// (part-<part, 5 digits>-<uuid>-c000.snappy.parquet): readers list the active files by path,
// so the part number keeps the row order of a table written as several files.
Result<lake::AddFile> WritePart(lake::TableStorage& storage, const lake::Schema& schema,
                                std::span<const ColumnRef> cols, size_t b, size_t e, int part,
                                std::string_view dir = {}) {
  char prefix[32];
  std::snprintf(prefix, sizeof prefix, "part-%05d-", part);
  const std::string key = std::string(dir) + prefix + lake::NewUuid() + "-c000.snappy.parquet";
  std::string buffer;  // remote stores: the file is assembled in memory, then put
  std::unique_ptr<lake::ParquetWriter> writer;
  const auto local = storage.LocalPath(key);
  if (local) {
    if (!dir.empty()) {
      std::error_code ec;  // a failure surfaces when the file is opened
      std::filesystem::create_directories(std::filesystem::path(*local).parent_path(), ec);
    }
    PINPIPE_ASSIGN_OR_RETURN(writer, lake::ParquetWriter::Open(*local, schema, {}));
  } else {
    PINPIPE_ASSIGN_OR_RETURN(writer, lake::ParquetWriter::Open(lake::MemorySink(&buffer), schema, {}));
  }
  lake::DeltaStatsCollector stats(schema, /*string_bounds_from_footer=*/true);
  lake::ColumnBatch batch(schema);
  size_t r = b;
  do {  // at least one (possibly empty) batch, so even an empty table has a readable file
    const size_t end = std::min(e, r + kChunkRows);
    batch.Clear();
    for (size_t c = 0; c < cols.size(); ++c) FillColumn(cols[c], r, end, batch.leaf(c));
    PINPIPE_RETURN_IF_ERROR(writer->WriteBatch(batch));
    stats.Add(batch);
    r = end;
  } while (r < e);
  PINPIPE_RETURN_IF_ERROR(writer->Close());
  stats.AddFooterStringBounds(writer->metadata());
  if (!local) PINPIPE_RETURN_IF_ERROR(storage.PutIfAbsent(key, buffer));
  PINPIPE_ASSIGN_OR_RETURN(lake::StoredObject obj, storage.Head(key));
  lake::AddFile add;
  add.path = key;  // only [A-Za-z0-9._=/-]: its URI encoding is itself
  add.size = obj.size;
  add.modification_time = obj.modification_time_ms;
  add.data_change = true;
  add.stats = stats.ToJson();
  return add;
}

}  // namespace

lake::DeltaSchema DeltaSchemaOf(std::span<const pinterest::ColumnSpec> specs) {
  std::vector<lake::DeltaField> fields;
  for (const auto& s : specs) {
    lake::DeltaType t = s.type == ColumnType::kDoubleArray
                            ? lake::DeltaType::Array(lake::DeltaType::Primitive("double"), true)
                            : lake::DeltaType::Primitive(std::string(pinterest::ColumnTypeName(s.type)));
    fields.push_back({std::string(s.name), std::move(t), true, "{}"});
  }
  return lake::DeltaType::Struct(std::move(fields));
}

Result<WrittenTable> OverwriteDeltaTable(std::unique_ptr<lake::TableStorage> storage,
                                         std::span<const pinterest::ColumnSpec> specs,
                                         std::span<const ColumnRef> cols, size_t rows,
                                         const std::string& table_name, const TableCommit* commit) {
  const lake::DeltaSchema delta_schema = DeltaSchemaOf(specs);
  const std::string dir = commit ? commit->PartDir() : "";
  PINPIPE_ASSIGN_OR_RETURN(lake::Schema schema, lake::ParquetSchemaForDelta(delta_schema));

  // Encoding and compression are CPU-bound and serial inside one file: big tables are written
  // as one file per core, in parallel (contiguous row ranges, so the order is kept).
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const size_t parts = std::clamp<size_t>(rows / kRowsPerPart, 1, cores);
  std::vector<Result<lake::AddFile>> adds(parts, MakeError(ErrorCode::kInternal, "not written"));
  {
    std::vector<std::thread> pool;
    for (size_t p = 1; p < parts; ++p) {
      pool.emplace_back([&, p] {
        adds[p] = WritePart(*storage, schema, cols, rows * p / parts, rows * (p + 1) / parts,
                            static_cast<int>(p), dir);
      });
    }
    adds[0] = WritePart(*storage, schema, cols, 0, rows / parts, 0, dir);
    for (auto& t : pool) t.join();
  }
  std::vector<lake::AddFile> files;
  for (auto& a : adds) {
    if (!a) return std::unexpected(a.error());
    files.push_back(std::move(*a));
  }
  return CommitOverwrite(std::move(storage), specs, std::move(files), rows, table_name, commit);
}

Result<WrittenTable> CommitOverwrite(std::unique_ptr<lake::TableStorage> storage,
                                     std::span<const pinterest::ColumnSpec> specs,
                                     std::vector<lake::AddFile> files, size_t rows,
                                     const std::string& table_name, const TableCommit* commit) {
  lake::DeltaSchema delta_schema = DeltaSchemaOf(specs);
  const bool partitioned = commit && commit->date_partition;
  std::vector<std::string> partition_columns;
  if (partitioned) {
    delta_schema.fields.push_back(
        {std::string(kDatePartitionColumn), lake::DeltaType::Primitive("date"), true, "{}"});
    partition_columns.emplace_back(kDatePartitionColumn);
    for (auto& f : files) f.partition_values[std::string(kDatePartitionColumn)] = *commit->date_partition;
  }
  lake::DeltaTable table(std::move(storage));
  WrittenTable out;
  out.location = table.storage().root();
  out.rows = rows;
  for (const auto& f : files) out.file_bytes += f.size;
  auto snapshot = table.LoadSnapshot();
  if (!snapshot && snapshot.error().code() != ErrorCode::kNotFound) return std::unexpected(snapshot.error());
  lake::CommitOptions options;
  if (commit) options.user_metadata = commit->user_metadata;
  if (!snapshot) {
    lake::CreateOptions co;
    co.partition_columns = partition_columns;
    co.user_metadata = options.user_metadata;
    auto created = table.Create(delta_schema, files, table_name, co);
    if (created) {
      out.version = created->version;
      return out;
    }
    if (created.error().code() != ErrorCode::kAlreadyExists) return std::unexpected(created.error());
    // Another writer created the table meanwhile: overwrite it below.
    snapshot = table.LoadSnapshot();
    if (!snapshot) return std::unexpected(snapshot.error());
  }
  // The data columns must match; the date column and the partitioning follow the mode.
  auto data_fields = [](const lake::DeltaSchema& sc) {
    std::vector<lake::DeltaField> f;
    for (const auto& field : sc.fields) {
      if (field.name != kDatePartitionColumn) f.push_back(field);
    }
    return lake::DeltaType::Struct(std::move(f));
  };
  if (!(data_fields(snapshot->schema()) == data_fields(delta_schema))) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "Delta table " + out.location + " has schema " +
                         lake::DeltaSchemaToJson(snapshot->schema()) + ", expected " +
                         lake::DeltaSchemaToJson(delta_schema) + "; move the old table away");
  }
  if (snapshot->metadata().partition_columns != partition_columns ||
      !(snapshot->schema() == delta_schema)) {
    // dag.data_selection changed: one whole-table overwrite with the new partitioning.
    lake::Metadata md = snapshot->metadata();
    md.schema_string = lake::DeltaSchemaToJson(delta_schema);
    md.partition_columns = partition_columns;
    options.new_metadata = std::move(md);
  } else if (partitioned) {
    options.replace_partition =
        lake::StringMap{{std::string(kDatePartitionColumn), *commit->date_partition}};
  }
  PINPIPE_ASSIGN_OR_RETURN(
      auto committed,
      table.Commit({lake::WriteMode::kOverwrite, std::move(files), std::nullopt}, options));
  out.version = committed.version;
  return out;
}

Result<lake::AddFile> WriteTablePart(lake::TableStorage& storage,
                                     std::span<const pinterest::ColumnSpec> specs,
                                     std::span<const ColumnRef> cols, size_t rows, int part,
                                     std::string_view dir) {
  PINPIPE_ASSIGN_OR_RETURN(lake::Schema schema, lake::ParquetSchemaForDelta(DeltaSchemaOf(specs)));
  return WritePart(storage, schema, cols, 0, rows, part, dir);
}

namespace {

std::vector<ColumnRef> ColumnsOf(const pinterest::CleanPinTable& t) {
  return {
      {.type = ColumnType::kLong, .plain = &t.ind},
      {.type = ColumnType::kString, .str = &t.unique_id},
      {.type = ColumnType::kString, .str = &t.title},
      {.type = ColumnType::kString, .str = &t.description},
      {.type = ColumnType::kInt, .i32 = &t.follower_count},
      {.type = ColumnType::kString, .str = &t.poster_name},
      {.type = ColumnType::kString, .str = &t.tag_list},
      {.type = ColumnType::kString, .str = &t.is_image_or_video},
      {.type = ColumnType::kString, .str = &t.image_src},
      {.type = ColumnType::kString, .str = &t.save_location},
      {.type = ColumnType::kString, .str = &t.category},
  };
}

std::vector<ColumnRef> ColumnsOf(const pinterest::CleanGeoTable& t) {
  return {
      {.type = ColumnType::kLong, .plain = &t.ind},
      {.type = ColumnType::kString, .str = &t.country},
      {.type = ColumnType::kDoubleArray, .element0 = &t.latitude, .element1 = &t.longitude},
      {.type = ColumnType::kTimestamp, .i64 = &t.timestamp},
  };
}

std::vector<ColumnRef> ColumnsOf(const pinterest::CleanUserTable& t) {
  return {
      {.type = ColumnType::kLong, .plain = &t.ind},
      {.type = ColumnType::kString, .str = &t.user_name},
      {.type = ColumnType::kInt, .i32 = &t.age},
      {.type = ColumnType::kTimestamp, .i64 = &t.date_joined},
  };
}

}  // namespace

Result<lake::AddFile> WriteCleanPart(lake::TableStorage& s, const pinterest::CleanPinTable& t, int part,
                                     std::string_view dir) {
  return WriteTablePart(s, pinterest::CleanPinTable::Schema(), ColumnsOf(t), t.size(), part, dir);
}
Result<lake::AddFile> WriteCleanPart(lake::TableStorage& s, const pinterest::CleanGeoTable& t, int part,
                                     std::string_view dir) {
  return WriteTablePart(s, pinterest::CleanGeoTable::Schema(), ColumnsOf(t), t.size(), part, dir);
}
Result<lake::AddFile> WriteCleanPart(lake::TableStorage& s, const pinterest::CleanUserTable& t, int part,
                                     std::string_view dir) {
  return WriteTablePart(s, pinterest::CleanUserTable::Schema(), ColumnsOf(t), t.size(), part, dir);
}

namespace {

void AppendValidUtf8(pinterest::StringColumn& col, std::string_view v) {
  if (IsValidUtf8(v)) {
    col.Append(v);
  } else {
    col.Append(ToValidUtf8(v));
  }
}

}  // namespace

Result<WrittenTable> WriteQuarantine(std::unique_ptr<lake::TableStorage> s,
                                     const pinterest::QuarantineTable& q, pinterest::RawKind kind,
                                     const TableCommit* commit) {
  pinterest::StringColumn table, reason, raw;
  for (size_t i = 0; i < q.size(); ++i) {
    if (q.table[i] != kind) continue;
    table.Append(pinterest::RawKindName(kind));
    // A Parquet string is UTF-8 for every reader (arrow refuses anything else): a record
    // quarantined for invalid UTF-8 keeps its text with U+FFFD in place of the bad bytes.
    AppendValidUtf8(reason, q.reason.Get(i));
    AppendValidUtf8(raw, q.raw.Get(i));
  }
  static constexpr pinterest::ColumnSpec kSpecs[] = {{"table", ColumnType::kString},
                                                     {"reason", ColumnType::kString},
                                                     {"raw", ColumnType::kString}};
  const ColumnRef cols[] = {{.type = ColumnType::kString, .str = &table},
                            {.type = ColumnType::kString, .str = &reason},
                            {.type = ColumnType::kString, .str = &raw}};
  return OverwriteDeltaTable(std::move(s), kSpecs, cols, table.size(),
                             "quarantine_" + std::string(pinterest::RawKindName(kind)), commit);
}

Result<WrittenTable> WriteResultTable(std::unique_ptr<lake::TableStorage> s,
                                      const pinterest::ResultTable& t, const TableCommit* commit) {
  // Results are small (hundreds of rows): copy them into typed columns.
  const size_t n = t.columns.size();
  std::vector<pinterest::ColumnSpec> specs(n);
  std::vector<pinterest::NumericColumn<int64_t>> i64(n);
  std::vector<pinterest::Int32Column> i32(n);
  std::vector<pinterest::DoubleColumn> f64(n);
  std::vector<pinterest::StringColumn> str(n);
  std::vector<ColumnRef> cols(n);
  for (size_t c = 0; c < n; ++c) {
    const auto& col = t.columns[c];
    const ColumnType type = col.type == ColumnType::kDoubleArray ? ColumnType::kString : col.type;
    specs[c] = {col.name, type};
    cols[c].type = type;
    for (size_t r = 0; r < col.size(); ++r) {
      const bool null = col.IsNull(r);
      switch (col.type) {
        case ColumnType::kLong:
        case ColumnType::kTimestamp:
          null ? i64[c].AppendNull() : i64[c].Append(col.ints[r]);
          break;
        case ColumnType::kInt:
          null ? i32[c].AppendNull() : i32[c].Append(static_cast<int32_t>(col.ints[r]));
          break;
        case ColumnType::kDouble:
          null ? f64[c].AppendNull() : f64[c].Append(col.doubles[r]);
          break;
        case ColumnType::kString:
        case ColumnType::kDoubleArray:
          null ? str[c].AppendNull() : str[c].Append(col.strings[r]);
          break;
      }
    }
    cols[c].i64 = &i64[c];
    cols[c].i32 = &i32[c];
    cols[c].f64 = &f64[c];
    cols[c].str = &str[c];
  }
  return OverwriteDeltaTable(std::move(s), specs, cols, t.num_rows(), t.name, commit);
}

}  // namespace pinpipe::batch
