#include "batch/table_reader.h"

#include <algorithm>
#include <functional>
#include <type_traits>
#include <utility>

#include "batch/analytics_cache.h"
#include "lake/delta_rows.h"
#include "lake/delta_snapshot.h"
#include "lake/parquet_reader.h"
#include "pinterest/fingerprint.h"

namespace pinpipe::batch {
namespace {

using pinterest::StringColumn;

Status Mismatch(const lake::LeafData& leaf, std::string_view want) {
  return MakeError(ErrorCode::kCorruption, "column type " + std::string(lake::LeafTypeName(leaf.type)) +
                                               " where " + std::string(want) + " was expected");
}

// Top-level primitive leaves only (max_rep == 0): def == max_def means a value.
Status AppendPlainInt64(const lake::LeafData& leaf, std::vector<int64_t>* out) {
  if (leaf.type != lake::LeafType::kInt64) return Mismatch(leaf, "long");
  if (leaf.max_def == 0) {
    out->insert(out->end(), leaf.i64.begin(), leaf.i64.end());
    return OkStatus();
  }
  size_t j = 0;
  for (uint8_t d : leaf.def) out->push_back(d == leaf.max_def ? leaf.i64[j++] : 0);
  return OkStatus();
}

template <typename T, typename V>
void AppendNumeric(const lake::LeafData& leaf, const std::vector<V>& values,
                   pinterest::NumericColumn<T>* out) {
  if (leaf.max_def == 0) {
    for (V v : values) out->Append(static_cast<T>(v));
    return;
  }
  size_t j = 0;
  for (uint8_t d : leaf.def) {
    if (d == leaf.max_def) out->Append(static_cast<T>(values[j++]));
    else out->AppendNull();
  }
}

Status AppendString(const lake::LeafData& leaf, StringColumn* out) {
  if (leaf.type != lake::LeafType::kString && leaf.type != lake::LeafType::kBinary) {
    return Mismatch(leaf, "string");
  }
  size_t j = 0;
  const size_t entries = leaf.max_def == 0 ? leaf.str.size() : leaf.def.size();
  for (size_t i = 0; i < entries; ++i) {
    if (leaf.max_def == 0 || leaf.def[i] == leaf.max_def) out->Append(leaf.str[j++]);
    else out->AppendNull();
  }
  return OkStatus();
}

// Appends the file's columns kept in memory by a clean task of this process
// (analytics_cache.h) and returns its rows, or nullopt: read the file.
using FromCache = std::function<std::optional<size_t>(const std::string& key)>;

// Calls `fn` with each row group of each active file, projected to `columns` (or, when
// `from_cache` supplies a file, not for that file).
Status ForEachRowGroup(lake::TableStorage& storage, const std::vector<std::string>& columns,
                       ReadStats* stats, const DateRange* dates, const FileSelection& select,
                       const std::function<Status(const lake::ColumnBatch&)>& fn,
                       const FromCache& from_cache = {}) {
  std::optional<lake::Snapshot> snap;
  if (!select.files) {
    PINPIPE_ASSIGN_OR_RETURN(snap, lake::Snapshot::Load(storage, select.version));
  }
  if (stats) {
    stats->version = snap ? snap->version() : -1;
    stats->files = 0;
  }
  for (const auto& add : snap ? snap->files() : *select.files) {
    if (dates) {
      auto ds = add.partition_values.find("ds");
      if (ds == add.partition_values.end() || !ds->second || *ds->second < dates->first ||
          *ds->second > dates->last) {
        continue;
      }
    }
    if (stats) ++stats->files;
    const std::string key = lake::DecodeDataPath(add.path);
    if (from_cache) {
      if (auto rows = from_cache(key)) {
        if (stats) stats->rows += *rows;
        continue;
      }
    }
    std::unique_ptr<lake::ParquetReader> reader;
    if (auto local = storage.LocalPath(key)) {
      PINPIPE_ASSIGN_OR_RETURN(reader, lake::ParquetReader::Open(*local));
    } else {
      PINPIPE_ASSIGN_OR_RETURN(std::string bytes, storage.Get(key));
      PINPIPE_ASSIGN_OR_RETURN(reader, lake::ParquetReader::Open(lake::MemorySource(std::move(bytes))));
    }
    for (size_t rg = 0; rg < reader->num_row_groups(); ++rg) {
      auto batch = reader->ReadRowGroup(rg, columns);
      if (!batch) {
        return MakeError(batch.error().code(), storage.root() + "/" + key + ": " + batch.error().message());
      }
      PINPIPE_RETURN_IF_ERROR(fn(*batch));
      if (stats) stats->rows += batch->num_rows();
    }
  }
  return OkStatus();
}

// Moves (into an empty column) or appends a cached column.
template <typename C>
void AppendTo(C& to, C& from) {
  if (to.size() == 0) {
    to = std::move(from);
  } else if constexpr (std::is_same_v<C, std::vector<int64_t>>) {
    to.insert(to.end(), from.begin(), from.end());
  } else {
    to.AppendColumn(from);
  }
}

// The cache lookup of a reader of `Table`; none when fingerprints are asked for (they need
// every column).
template <typename Table, typename Append>
FromCache Cached(lake::TableStorage& storage, const std::vector<uint64_t>* fingerprints, Append append) {
  if (fingerprints) return {};
  return [&storage, append](const std::string& key) -> std::optional<size_t> {
    auto columns = AnalyticsCache::Process().Take(storage.root(), key);
    if (!columns) return std::nullopt;
    auto* table = std::get_if<Table>(&*columns);
    if (!table) return std::nullopt;
    const size_t rows = table->size();
    append(*table);
    return rows;
  };
}

// The projection: the analytics' columns first (their leaf indices stay 0..n-1), then, when
// fingerprints are asked for, the rest of the table's columns.
std::vector<std::string> Projection(std::vector<std::string> columns, std::span<const pinterest::ColumnSpec> schema,
                                    bool all) {
  if (!all) return columns;
  for (const auto& c : schema) {
    if (std::find(columns.begin(), columns.end(), c.name) == columns.end()) columns.emplace_back(c.name);
  }
  return columns;
}

}  // namespace

Status AppendRowFingerprints(const lake::ColumnBatch& batch, std::span<const pinterest::ColumnSpec> schema,
                             std::vector<uint64_t>* out) {
  const size_t rows = batch.num_rows();
  std::vector<pinterest::RowHasher> h(rows);
  for (const auto& spec : schema) {
    const int field = batch.schema().FindField(spec.name);
    if (field < 0) return MakeError(ErrorCode::kCorruption, "column " + std::string(spec.name) + " was not read");
    const auto [first, count] = batch.schema().LeafRange(static_cast<size_t>(field));
    for (size_t l = first; l < first + count; ++l) {
      const lake::LeafData& leaf = batch.leaf(l);
      const size_t entries = leaf.num_entries();
      size_t row = 0, value = 0;
      for (size_t e = 0; e < entries; ++e) {
        row = leaf.max_rep == 0 ? e : row + (e > 0 && leaf.rep[e] == 0 ? 1 : 0);
        if (row >= rows) return MakeError(ErrorCode::kCorruption, "leaf rows differ within a row group");
        if (leaf.max_rep > 0) h[row].AddInt(leaf.rep[e]);  // list structure: a new row or the next element
        if (leaf.max_def > 0 && leaf.def[e] != leaf.max_def) {
          h[row].AddNull();
          h[row].AddInt(leaf.def[e]);
          continue;
        }
        switch (leaf.type) {
          case lake::LeafType::kString:
          case lake::LeafType::kBinary:
          case lake::LeafType::kFixed: h[row].AddString(leaf.str[value]); break;
          case lake::LeafType::kInt32: h[row].AddInt(leaf.i32[value]); break;
          case lake::LeafType::kDouble: h[row].AddDouble(leaf.f64[value]); break;
          case lake::LeafType::kFloat: h[row].AddDouble(leaf.f32[value]); break;
          case lake::LeafType::kBoolean: h[row].AddInt(leaf.b[value]); break;
          case lake::LeafType::kUnsupported: return Mismatch(leaf, "a readable column");
          default: h[row].AddInt(leaf.i64[value]); break;  // int64, timestamps, INT96
        }
        ++value;
      }
    }
  }
  out->reserve(out->size() + rows);
  for (const auto& r : h) out->push_back(r.Finish().lo);
  return OkStatus();
}

Result<pinterest::CleanPinTable> ReadPinForAnalytics(lake::TableStorage& storage, ReadStats* stats,
                                                    const DateRange* dates, const FileSelection& select,
                                                    std::vector<uint64_t>* fingerprints) {
  const auto schema = pinterest::CleanPinTable::Schema();
  pinterest::CleanPinTable t;
  PINPIPE_RETURN_IF_ERROR(ForEachRowGroup(
      storage, Projection({"ind", "follower_count", "poster_name", "category"}, schema, fingerprints), stats, dates, select,
      [&](const lake::ColumnBatch& b) -> Status {
        PINPIPE_RETURN_IF_ERROR(AppendPlainInt64(b.leaf(0), &t.ind));
        if (b.leaf(1).type != lake::LeafType::kInt32) return Mismatch(b.leaf(1), "integer");
        AppendNumeric(b.leaf(1), b.leaf(1).i32, &t.follower_count);
        PINPIPE_RETURN_IF_ERROR(AppendString(b.leaf(2), &t.poster_name));
        PINPIPE_RETURN_IF_ERROR(AppendString(b.leaf(3), &t.category));
        return fingerprints ? AppendRowFingerprints(b, schema, fingerprints) : OkStatus();
      },
      Cached<pinterest::CleanPinTable>(storage, fingerprints, [&](pinterest::CleanPinTable& c) {
        AppendTo(t.ind, c.ind);
        AppendTo(t.follower_count, c.follower_count);
        AppendTo(t.poster_name, c.poster_name);
        AppendTo(t.category, c.category);
      })));
  return t;
}

Result<pinterest::CleanGeoTable> ReadGeoForAnalytics(lake::TableStorage& storage, ReadStats* stats,
                                                    const DateRange* dates, const FileSelection& select,
                                                    std::vector<uint64_t>* fingerprints) {
  const auto schema = pinterest::CleanGeoTable::Schema();
  pinterest::CleanGeoTable t;
  PINPIPE_RETURN_IF_ERROR(ForEachRowGroup(
      storage, Projection({"ind", "country", "timestamp"}, schema, fingerprints), stats, dates, select, [&](const lake::ColumnBatch& b) -> Status {
        PINPIPE_RETURN_IF_ERROR(AppendPlainInt64(b.leaf(0), &t.ind));
        PINPIPE_RETURN_IF_ERROR(AppendString(b.leaf(1), &t.country));
        if (b.leaf(2).type != lake::LeafType::kTimestamp) return Mismatch(b.leaf(2), "timestamp");
        AppendNumeric(b.leaf(2), b.leaf(2).i64, &t.timestamp);
        return fingerprints ? AppendRowFingerprints(b, schema, fingerprints) : OkStatus();
      },
      Cached<pinterest::CleanGeoTable>(storage, fingerprints, [&](pinterest::CleanGeoTable& c) {
        AppendTo(t.ind, c.ind);
        AppendTo(t.country, c.country);
        AppendTo(t.timestamp, c.timestamp);
      })));
  return t;
}

Result<pinterest::CleanUserTable> ReadUserForAnalytics(lake::TableStorage& storage, ReadStats* stats,
                                                    const DateRange* dates, const FileSelection& select,
                                                    std::vector<uint64_t>* fingerprints) {
  const auto schema = pinterest::CleanUserTable::Schema();
  pinterest::CleanUserTable t;
  PINPIPE_RETURN_IF_ERROR(ForEachRowGroup(
      storage, Projection({"ind", "user_name", "age", "date_joined"}, schema, fingerprints), stats, dates, select,
      [&](const lake::ColumnBatch& b) -> Status {
        PINPIPE_RETURN_IF_ERROR(AppendPlainInt64(b.leaf(0), &t.ind));
        PINPIPE_RETURN_IF_ERROR(AppendString(b.leaf(1), &t.user_name));
        if (b.leaf(2).type != lake::LeafType::kInt32) return Mismatch(b.leaf(2), "integer");
        AppendNumeric(b.leaf(2), b.leaf(2).i32, &t.age);
        if (b.leaf(3).type != lake::LeafType::kTimestamp) return Mismatch(b.leaf(3), "timestamp");
        AppendNumeric(b.leaf(3), b.leaf(3).i64, &t.date_joined);
        return fingerprints ? AppendRowFingerprints(b, schema, fingerprints) : OkStatus();
      },
      Cached<pinterest::CleanUserTable>(storage, fingerprints, [&](pinterest::CleanUserTable& c) {
        AppendTo(t.ind, c.ind);
        AppendTo(t.user_name, c.user_name);
        AppendTo(t.age, c.age);
        AppendTo(t.date_joined, c.date_joined);
      })));
  return t;
}

}  // namespace pinpipe::batch
