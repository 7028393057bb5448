// Writes a V1 checkpoint: one row per action of the snapshot, each action type in its own
// top-level struct column (PROTOCOL.md "Checkpoints"), then _last_checkpoint.
#include <algorithm>

#include "lake/delta_checkpoint.h"
#include "lake/delta_checkpoint_schema.h"
#include "lake/delta_log_files.h"
#include "lake/parquet_writer.h"

namespace pinpipe::lake {

namespace {

constexpr size_t kRowsPerBatch = 8192;

// Level emitters for one row of one leaf. Definition levels count the optional ancestors that
// are present (parquet-format "Nested encoding"); `def` below is always the level of the
// deepest present ancestor.
void PutNull(LeafData& d, int def) {
  d.def.push_back(static_cast<uint8_t>(def));
  if (d.max_rep > 0) d.rep.push_back(0);
}
void PutPresent(LeafData& d) {
  d.def.push_back(static_cast<uint8_t>(d.max_def));
  if (d.max_rep > 0) d.rep.push_back(0);
}
void PutString(LeafData& d, std::string_view v) {
  PutPresent(d);
  d.str.push_back(v);
}
void PutInt64(LeafData& d, int64_t v) {
  PutPresent(d);
  d.i64.push_back(v);
}
void PutInt32(LeafData& d, int32_t v) {
  PutPresent(d);
  d.i32.push_back(v);
}
void PutBool(LeafData& d, bool v) {
  PutPresent(d);
  d.b.push_back(v ? 1 : 0);
}
template <typename T>
void PutOpt(LeafData& d, const std::optional<T>& v) {
  if (!v) {
    PutNull(d, d.max_def - 1);
  } else if constexpr (std::is_same_v<T, std::string>) {
    PutString(d, *v);
  } else if constexpr (std::is_same_v<T, bool>) {
    PutBool(d, *v);
  } else {
    PutInt64(d, *v);
  }
}

// A map<string,string> whose key leaf has max_def K: the map group is present at K-1, so an
// empty map is (rep 0, def K-1) and a null map is def K-2.
void PutMap(LeafData& keys, LeafData& values, const StringMap& m, bool null_when_empty) {
  const int k = keys.max_def;
  if (m.empty()) {
    int def = null_when_empty ? k - 2 : k - 1;
    keys.def.push_back(static_cast<uint8_t>(def));
    keys.rep.push_back(0);
    values.def.push_back(static_cast<uint8_t>(def));
    values.rep.push_back(0);
    return;
  }
  uint8_t rep = 0;
  for (const auto& [key, value] : m) {
    keys.def.push_back(static_cast<uint8_t>(k));
    keys.rep.push_back(rep);
    keys.str.push_back(key);
    values.rep.push_back(rep);
    if (value) {
      values.def.push_back(static_cast<uint8_t>(values.max_def));
      values.str.push_back(*value);
    } else {
      values.def.push_back(static_cast<uint8_t>(values.max_def - 1));
    }
    rep = 1;
  }
}

// A list<string> (optional elements, element max_def E): empty list (rep 0, def E-2), null E-3.
void PutList(LeafData& elems, const std::optional<std::vector<std::string>>& v) {
  const int e = elems.max_def;
  if (!v || v->empty()) {
    elems.def.push_back(static_cast<uint8_t>(v ? e - 2 : e - 3));
    elems.rep.push_back(0);
    return;
  }
  uint8_t rep = 0;
  for (const auto& s : *v) {
    elems.def.push_back(static_cast<uint8_t>(e));
    elems.rep.push_back(rep);
    elems.str.push_back(s);
    rep = 1;
  }
}

class CheckpointBuilder {
 public:
  explicit CheckpointBuilder(const Schema& schema) : batch_(schema), leaves_(schema) {
    for (size_t i = 0; i < schema.fields().size(); ++i) ranges_.push_back(schema.LeafRange(i));
  }

  ColumnBatch& batch() { return batch_; }
  size_t rows() const { return rows_; }
  void Clear() {
    batch_.Clear();
    rows_ = 0;
  }

  void Add(const Protocol& p) {
    Row(kProtocol);
    PutInt32(L("protocol.minReaderVersion"), p.min_reader_version);
    PutInt32(L("protocol.minWriterVersion"), p.min_writer_version);
    PutList(L("protocol.readerFeatures.element"), p.reader_features);
    PutList(L("protocol.writerFeatures.element"), p.writer_features);
  }
  void Add(const Metadata& m) {
    Row(kMetadata);
    PutString(L("metaData.id"), m.id);
    PutOpt(L("metaData.name"), m.name);
    PutOpt(L("metaData.description"), m.description);
    PutString(L("metaData.format.provider"), m.format_provider);
    PutMap(L("metaData.format.options.key"), L("metaData.format.options.value"), m.format_options,
           false);
    PutString(L("metaData.schemaString"), m.schema_string);
    PutList(L("metaData.partitionColumns.element"), m.partition_columns);
    PutMap(L("metaData.configuration.key"), L("metaData.configuration.value"), m.configuration,
           false);
    PutOpt(L("metaData.createdTime"), m.created_time);
  }
  void Add(const Txn& t) {
    Row(kTxn);
    PutString(L("txn.appId"), t.app_id);
    PutInt64(L("txn.version"), t.version);
    PutOpt(L("txn.lastUpdated"), t.last_updated);
  }
  void Add(const AddFile& a) {
    Row(kAdd);
    PutString(L("add.path"), a.path);
    PutMap(L("add.partitionValues.key"), L("add.partitionValues.value"), a.partition_values, false);
    PutInt64(L("add.size"), a.size);
    PutInt64(L("add.modificationTime"), a.modification_time);
    PutBool(L("add.dataChange"), a.data_change);
    PutMap(L("add.tags.key"), L("add.tags.value"), a.tags, true);
    PutOpt(L("add.stats"), a.stats);
  }
  void Add(const RemoveFile& r) {
    Row(kRemove);
    PutString(L("remove.path"), r.path);
    PutOpt(L("remove.deletionTimestamp"), r.deletion_timestamp);
    PutBool(L("remove.dataChange"), r.data_change);
    PutOpt(L("remove.extendedFileMetadata"), r.extended_file_metadata);
    PutMap(L("remove.partitionValues.key"), L("remove.partitionValues.value"), r.partition_values,
           !r.extended_file_metadata.value_or(false));
    PutOpt(L("remove.size"), r.size);
  }

 private:
  // Top-level columns in CheckpointParquetSchema() order.
  enum Column { kTxn = 0, kAdd, kRemove, kMetadata, kProtocol };

  LeafData& L(const char* path) { return batch_.leaf(static_cast<size_t>(leaves_.Find(path))); }

  // Starts a row: every leaf of the other action columns gets "struct absent" (def 0).
  void Row(Column present) {
    ++rows_;
    for (size_t c = 0; c < ranges_.size(); ++c) {
      if (c == static_cast<size_t>(present)) continue;
      for (size_t i = ranges_[c].first; i < ranges_[c].first + ranges_[c].second; ++i) {
        PutNull(batch_.leaf(i), 0);
      }
    }
  }

  ColumnBatch batch_;
  CheckpointLeaves leaves_;
  std::vector<std::pair<size_t, size_t>> ranges_;
  size_t rows_ = 0;
};

}  // namespace

Result<LastCheckpoint> WriteCheckpoint(TableStorage& storage, const Snapshot& snapshot) {
  const Schema schema = CheckpointParquetSchema();
  std::string bytes;
  PINPIPE_ASSIGN_OR_RETURN(auto writer, ParquetWriter::Open(MemorySink(&bytes), schema, {}));
  CheckpointBuilder builder(schema);
  int64_t total = 0;
  auto flush = [&](bool force) -> Status {
    if (builder.rows() == 0 || (!force && builder.rows() < kRowsPerBatch)) return OkStatus();
    total += static_cast<int64_t>(builder.rows());
    PINPIPE_RETURN_IF_ERROR(writer->WriteBatch(builder.batch()));
    builder.Clear();
    return OkStatus();
  };
  builder.Add(snapshot.protocol());
  builder.Add(snapshot.metadata());
  for (const auto& [_, t] : snapshot.txns()) {
    builder.Add(t);
    PINPIPE_RETURN_IF_ERROR(flush(false));
  }
  for (const auto& a : snapshot.files()) {
    builder.Add(a);
    PINPIPE_RETURN_IF_ERROR(flush(false));
  }
  for (const auto& r : snapshot.tombstones()) {
    builder.Add(r);
    PINPIPE_RETURN_IF_ERROR(flush(false));
  }
  PINPIPE_RETURN_IF_ERROR(flush(true));
  PINPIPE_RETURN_IF_ERROR(writer->Close());

  // Latest writer wins for checkpoints (PROTOCOL.md); Put is atomic, so readers never see a
  // partial file.
  PINPIPE_RETURN_IF_ERROR(storage.Put(CheckpointKey(snapshot.version()), bytes));
  LastCheckpoint lc;
  lc.version = snapshot.version();
  lc.size = total;
  lc.size_in_bytes = static_cast<int64_t>(bytes.size());
  lc.num_of_add_files = static_cast<int64_t>(snapshot.files().size());
  // Never move the hint backwards past a newer checkpoint another writer recorded.
  if (auto current = storage.Get(kLastCheckpointKey)) {
    if (auto hint = ParseLastCheckpoint(*current); hint && hint->version > lc.version) return lc;
  }
  PINPIPE_RETURN_IF_ERROR(storage.Put(kLastCheckpointKey, SerializeLastCheckpoint(lc)));
  return lc;
}

}  // namespace pinpipe::lake
