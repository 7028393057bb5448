// Reads V1 checkpoints (single file or all parts of a multi-part one) back into actions by
// assembling the action structs from the leaf columns' definition/repetition levels.
#include <simdjson.h>

#include "common/json_writer.h"
#include "lake/delta_log_files.h"
#include "lake/delta_checkpoint.h"
#include "lake/delta_checkpoint_schema.h"
#include "lake/parquet_reader.h"

namespace pinpipe::lake {

namespace {

// Walks one leaf column row by row. A missing column reads as null in every row.
class Cursor {
 public:
  Cursor() = default;
  explicit Cursor(const LeafData* d) : d_(d) {}

  bool exists() const { return d_ != nullptr; }
  int max_def() const { return d_ ? d_->max_def : 0; }

  // Non-repeated leaf: the definition level of the next row; *value = its value index when
  // the value is present (def == max_def).
  int Next(size_t* value) {
    if (!d_) return 0;
    int def = d_->max_def == 0 ? 0 : (entry_ < d_->def.size() ? d_->def[entry_] : 0);
    ++entry_;
    if (def == d_->max_def) *value = value_++;
    return def;
  }

  // Repeated leaf: calls fn(def, value index or npos) for every level entry of the next row.
  template <typename Fn>
  void NextRow(Fn&& fn) {
    if (!d_) return;
    bool first = true;
    while (entry_ < d_->def.size() && (first || d_->rep[entry_] != 0)) {
      first = false;
      int def = d_->def[entry_++];
      fn(def, def == d_->max_def ? value_++ : std::string::npos);
    }
  }

  std::string_view Str(size_t i) const { return d_->str[i]; }
  int64_t Int(size_t i) const { return d_->type == LeafType::kInt32 ? d_->i32[i] : d_->i64[i]; }
  bool Bool(size_t i) const { return d_->b[i] != 0; }

 private:
  const LeafData* d_ = nullptr;
  size_t entry_ = 0;
  size_t value_ = 0;
};

class PartReader {
 public:
  PartReader(const ParquetReader& reader, std::string_view what)
      : reader_(reader), leaves_(reader.schema()), what_(what) {}

  // sidecars: receives the sidecar.path of V2 checkpoints (may be null).
  Status ReadRowGroup(size_t rg, std::vector<Action>* out, std::vector<std::string>* sidecars = nullptr) {
    data_.clear();
    data_.resize(reader_.schema().leaves().size());
    loaded_.assign(data_.size(), false);
    const int64_t rows = reader_.metadata().row_groups[rg].num_rows;
    rg_ = rg;

    PINPIPE_ASSIGN_OR_RETURN(Cursor txn_app, C("txn.appId"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor txn_version, C("txn.version"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor txn_updated, C("txn.lastUpdated"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor add_path, C("add.path"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor add_pv_k, C("add.partitionValues.key"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor add_pv_v, C("add.partitionValues.value"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor add_size, C("add.size"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor add_mtime, C("add.modificationTime"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor add_dc, C("add.dataChange"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor add_tags_k, C("add.tags.key"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor add_tags_v, C("add.tags.value"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor add_stats, C("add.stats"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor add_dv_type, C("add.deletionVector.storageType"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor add_dv_path, C("add.deletionVector.pathOrInlineDv"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor add_dv_offset, C("add.deletionVector.offset"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor add_dv_size, C("add.deletionVector.sizeInBytes"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor add_dv_card, C("add.deletionVector.cardinality"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor rm_path, C("remove.path"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor rm_ts, C("remove.deletionTimestamp"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor rm_dc, C("remove.dataChange"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor rm_ext, C("remove.extendedFileMetadata"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor rm_pv_k, C("remove.partitionValues.key"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor rm_pv_v, C("remove.partitionValues.value"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor rm_size, C("remove.size"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor md_id, C("metaData.id"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor md_name, C("metaData.name"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor md_desc, C("metaData.description"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor md_provider, C("metaData.format.provider"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor md_opt_k, C("metaData.format.options.key"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor md_opt_v, C("metaData.format.options.value"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor md_schema, C("metaData.schemaString"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor md_parts, C("metaData.partitionColumns.element"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor md_conf_k, C("metaData.configuration.key"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor md_conf_v, C("metaData.configuration.value"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor md_created, C("metaData.createdTime"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor p_reader, C("protocol.minReaderVersion"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor p_writer, C("protocol.minWriterVersion"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor p_rf, C("protocol.readerFeatures.element"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor p_wf, C("protocol.writerFeatures.element"));
    PINPIPE_ASSIGN_OR_RETURN(Cursor sc_path, C("sidecar.path"));

    for (int64_t row = 0; row < rows; ++row) {
      // txn
      std::optional<std::string> app = OptStr(txn_app);
      std::optional<int64_t> txn_v = OptInt(txn_version);
      std::optional<int64_t> txn_u = OptInt(txn_updated);
      if (app && txn_v) out->emplace_back(Txn{std::move(*app), *txn_v, txn_u});
      // add
      std::optional<std::string> apath = OptStr(add_path);
      StringMap apv = ReadMap(add_pv_k, add_pv_v);
      std::optional<int64_t> asize = OptInt(add_size), amtime = OptInt(add_mtime);
      std::optional<bool> adc = OptBool(add_dc);
      StringMap atags = ReadMap(add_tags_k, add_tags_v);
      std::optional<std::string> astats = OptStr(add_stats);
      std::optional<std::string> dv_type = OptStr(add_dv_type), dv_path = OptStr(add_dv_path);
      std::optional<int64_t> dv_offset = OptInt(add_dv_offset), dv_size = OptInt(add_dv_size),
                             dv_card = OptInt(add_dv_card);
      if (apath) {
        AddFile a;
        a.path = std::move(*apath);
        a.partition_values = std::move(apv);
        a.size = asize.value_or(0);
        a.modification_time = amtime.value_or(0);
        a.data_change = adc.value_or(false);
        a.tags = std::move(atags);
        a.stats = std::move(astats);
        if (dv_type) {
          // The descriptor as the JSON log spells it (PROTOCOL.md "Deletion Vector Descriptor").
          std::string j = "{\"storageType\":";
          AppendJsonString(j, *dv_type);
          j += ",\"pathOrInlineDv\":";
          AppendJsonString(j, dv_path.value_or(""));
          if (dv_offset) j += ",\"offset\":" + std::to_string(*dv_offset);
          j += ",\"sizeInBytes\":" + std::to_string(dv_size.value_or(0));
          j += ",\"cardinality\":" + std::to_string(dv_card.value_or(0)) + "}";
          a.deletion_vector_json = std::move(j);
        }
        out->emplace_back(std::move(a));
      }
      // remove
      std::optional<std::string> rpath = OptStr(rm_path);
      std::optional<int64_t> rts = OptInt(rm_ts), rsize = OptInt(rm_size);
      std::optional<bool> rdc = OptBool(rm_dc), rext = OptBool(rm_ext);
      StringMap rpv = ReadMap(rm_pv_k, rm_pv_v);
      if (rpath) {
        RemoveFile r;
        r.path = std::move(*rpath);
        r.deletion_timestamp = rts;
        r.data_change = rdc.value_or(false);
        r.extended_file_metadata = rext;
        r.partition_values = std::move(rpv);
        r.size = rsize;
        out->emplace_back(std::move(r));
      }
      // metaData
      std::optional<std::string> id = OptStr(md_id), name = OptStr(md_name), desc = OptStr(md_desc),
                                 provider = OptStr(md_provider);
      StringMap options = ReadMap(md_opt_k, md_opt_v);
      std::optional<std::string> schema = OptStr(md_schema);
      std::optional<std::vector<std::string>> parts = ReadList(md_parts);
      StringMap conf = ReadMap(md_conf_k, md_conf_v);
      std::optional<int64_t> created = OptInt(md_created);
      if (id) {
        Metadata m;
        m.id = std::move(*id);
        m.name = std::move(name);
        m.description = std::move(desc);
        if (provider) m.format_provider = std::move(*provider);
        m.format_options = std::move(options);
        m.schema_string = schema.value_or("");
        if (parts) m.partition_columns = std::move(*parts);
        m.configuration = std::move(conf);
        m.created_time = created;
        out->emplace_back(std::move(m));
      }
      // protocol
      std::optional<int64_t> rv = OptInt(p_reader), wv = OptInt(p_writer);
      auto rf = ReadList(p_rf), wf = ReadList(p_wf);
      if (rv && wv) {
        out->emplace_back(Protocol{static_cast<int32_t>(*rv), static_cast<int32_t>(*wv),
                                   std::move(rf), std::move(wf)});
      }
      // sidecar (V2 checkpoints)
      std::optional<std::string> sc = OptStr(sc_path);
      if (sc && sidecars) sidecars->push_back(std::move(*sc));
    }
    return OkStatus();
  }

 private:
  // Loads the leaf of a logical path (once) and returns a cursor over it.
  Result<Cursor> C(std::string_view path) {
    int leaf = leaves_.Find(path);
    if (leaf < 0) return Cursor();
    auto idx = static_cast<size_t>(leaf);
    const LeafColumn& col = reader_.schema().leaves()[idx];
    if (col.type == LeafType::kUnsupported) return Cursor();
    if (!loaded_[idx]) {
      auto st = reader_.ReadLeaf(rg_, idx, &data_[idx]);
      if (!st) {
        return MakeError(
            ErrorCode::kCorruption,
            std::string(what_) + ": column " + std::string(path) + ": " + st.error().message());
      }
      loaded_[idx] = true;
    }
    return Cursor(&data_[idx]);
  }

  static std::optional<std::string> OptStr(Cursor& c) {
    size_t v = 0;
    if (!c.exists() || c.Next(&v) != c.max_def()) return std::nullopt;
    return std::string(c.Str(v));
  }
  static std::optional<int64_t> OptInt(Cursor& c) {
    size_t v = 0;
    if (!c.exists() || c.Next(&v) != c.max_def()) return std::nullopt;
    return c.Int(v);
  }
  static std::optional<bool> OptBool(Cursor& c) {
    size_t v = 0;
    if (!c.exists() || c.Next(&v) != c.max_def()) return std::nullopt;
    return c.Bool(v);
  }
  // Keys and values have one level entry each per map entry (or one for an empty/null map).
  StringMap ReadMap(Cursor& keys, Cursor& values) {
    StringMap m;
    value_idx_.clear();
    values.NextRow([&](int, size_t v) { value_idx_.push_back(v); });
    size_t i = 0;
    keys.NextRow([&](int, size_t k) {
      if (k != std::string::npos) {
        size_t v = i < value_idx_.size() ? value_idx_[i] : std::string::npos;
        m.emplace(std::string(keys.Str(k)), v == std::string::npos
                                                ? std::nullopt
                                                : std::optional<std::string>(values.Str(v)));
      }
      ++i;
    });
    return m;
  }
  static std::optional<std::vector<std::string>> ReadList(Cursor& elems) {
    if (!elems.exists()) return std::nullopt;
    std::optional<std::vector<std::string>> out;
    const int e = elems.max_def();
    elems.NextRow([&](int def, size_t v) {
      if (def >= e - 2 && !out) out.emplace();  // the list itself is present
      if (v != std::string::npos) out->emplace_back(elems.Str(v));
    });
    return out;
  }

  const ParquetReader& reader_;
  CheckpointLeaves leaves_;
  std::string_view what_;
  std::vector<LeafData> data_;
  std::vector<bool> loaded_;
  std::vector<size_t> value_idx_;  // scratch for ReadMap, reused across rows
  size_t rg_ = 0;
};

}  // namespace

namespace {

Result<std::unique_ptr<ParquetReader>> OpenParquet(TableStorage& storage, const std::string& key) {
  if (auto local = storage.LocalPath(key)) return ParquetReader::Open(*local);
  PINPIPE_ASSIGN_OR_RETURN(std::string bytes, storage.Get(key));
  return ParquetReader::Open(MemorySource(std::move(bytes)));
}

// The sidecar paths named by the "sidecar" actions of a JSON V2 checkpoint.
Status JsonSidecars(std::string_view body, std::vector<std::string>* out) {
  simdjson::dom::parser parser;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t nl = body.find('\n', pos);
    if (nl == std::string_view::npos) nl = body.size();
    std::string_view line = body.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.find("\"sidecar\"") == std::string_view::npos) continue;
    simdjson::dom::element doc;
    if (parser.parse(line.data(), line.size()).get(doc)) return MakeError(ErrorCode::kCorruption, "V2 checkpoint: bad JSON line");
    std::string_view path;
    if (!doc["sidecar"]["path"].get(path)) out->emplace_back(path);
  }
  return OkStatus();
}

}  // namespace

Result<std::vector<Action>> ReadCheckpoint(TableStorage& storage,
                                           const std::vector<std::string>& part_keys) {
  std::vector<Action> actions;
  std::vector<std::string> sidecars;
  for (const auto& key : part_keys) {
    if (key.ends_with(".json")) {  // V2 checkpoint in JSON: actions + sidecar references
      PINPIPE_ASSIGN_OR_RETURN(std::string body, storage.Get(key));
      PINPIPE_ASSIGN_OR_RETURN(auto parsed, ParseCommit(body, key));
      for (auto& a : parsed) actions.push_back(std::move(a));
      PINPIPE_RETURN_IF_ERROR(JsonSidecars(body, &sidecars));
      continue;
    }
    PINPIPE_ASSIGN_OR_RETURN(auto reader, OpenParquet(storage, key));
    PartReader part(*reader, key);
    for (size_t rg = 0; rg < reader->num_row_groups(); ++rg) {
      PINPIPE_RETURN_IF_ERROR(part.ReadRowGroup(rg, &actions, &sidecars));
    }
  }
  // V2 checkpoints (PROTOCOL.md "V2 Spec"): the file actions live in sidecar Parquet files under
  // _delta_log/_sidecars/, with the checkpoint schema's add/remove columns.
  for (const auto& path : sidecars) {
    if (path.find('/') != std::string::npos || path.find("..") != std::string::npos)
      return MakeError(ErrorCode::kUnsupported, "sidecar outside _delta_log/_sidecars: " + path);
    std::string key = std::string(kLogDir) + "_sidecars/" + path;
    PINPIPE_ASSIGN_OR_RETURN(auto reader, OpenParquet(storage, key));
    PartReader part(*reader, key);
    for (size_t rg = 0; rg < reader->num_row_groups(); ++rg) {
      PINPIPE_RETURN_IF_ERROR(part.ReadRowGroup(rg, &actions));
    }
  }
  return actions;
}

}  // namespace pinpipe::lake
