#include "lake/delta_optimize.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "lake/delta_checkpoint.h"
#include "lake/delta_data_file.h"
#include "lake/delta_log_files.h"
#include "lake/delta_rows.h"
#include "lake/delta_stats.h"
#include "lake/delta_uuid.h"
#include "lake/parquet_io.h"
#include "lake/parquet_reader.h"
#include "lake/parquet_writer.h"

namespace pinpipe::lake {
namespace {

// "part-00012-" of "part-00012-<uuid>-c000.snappy.parquet", or "part-00000-".
std::string PartPrefix(const std::string& path) {
  if (path.starts_with("part-")) {
    const size_t dash = path.find('-', 5);
    if (dash != std::string::npos) return path.substr(0, dash + 1);
  }
  return "part-00000-";
}

Result<std::unique_ptr<ParquetReader>> OpenDataFile(TableStorage& storage, const AddFile& f) {
  const std::string key = DecodeDataPath(f.path);
  if (auto local = storage.LocalPath(key)) return ParquetReader::Open(*local);
  PINPIPE_ASSIGN_OR_RETURN(std::string bytes, storage.Get(key));
  return ParquetReader::Open(MemorySource(std::move(bytes)));
}

// Rewrites `files` (in order, all of one partition) into one new data file with
// dataChange=false, in the first file's directory (the partition's, "ds=2026-11-21/"), with
// the partition's values.
Result<AddFile> Rewrite(TableStorage& storage, const Schema& schema,
                        const std::vector<AddFile>& files, const OptimizeOptions& options,
                        int64_t* rows) {
  const std::string& first = files.front().path;
  const size_t slash = first.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : first.substr(0, slash + 1);  // as in the log
  const std::string name =
      PartPrefix(first.substr(dir.size())) + NewUuid() + "-c000.snappy.parquet";
  const std::string key = DecodeDataPath(dir) + name;
  std::string buffer;
  std::unique_ptr<ParquetWriter> writer;
  WriterOptions wo;
  wo.row_group_size = options.row_group_bytes;
  wo.row_group_rows = options.row_group_rows;
  const auto local = storage.LocalPath(key);
  if (local) {
    PINPIPE_ASSIGN_OR_RETURN(writer, ParquetWriter::Open(*local, schema, wo));
  } else {
    PINPIPE_ASSIGN_OR_RETURN(writer, ParquetWriter::Open(MemorySink(&buffer), schema, wo));
  }
  DeltaStatsCollector stats(schema, /*string_bounds_from_footer=*/true);
  for (const auto& f : files) {
    PINPIPE_ASSIGN_OR_RETURN(auto reader, OpenDataFile(storage, f));
    if (reader->schema().leaves().size() != schema.leaves().size()) {
      return MakeError(ErrorCode::kUnsupported,
                       storage.root() + "/" + f.path + ": its columns differ from the table's");
    }
    for (size_t rg = 0; rg < reader->num_row_groups(); ++rg) {
      PINPIPE_ASSIGN_OR_RETURN(ColumnBatch batch, reader->ReadRowGroup(rg));
      PINPIPE_RETURN_IF_ERROR(writer->WriteBatch(batch));
      stats.Add(batch);
    }
  }
  PINPIPE_RETURN_IF_ERROR(writer->Close());
  stats.AddFooterStringBounds(writer->metadata());
  if (!local) PINPIPE_RETURN_IF_ERROR(storage.PutIfAbsent(key, buffer));
  PINPIPE_ASSIGN_OR_RETURN(StoredObject obj, storage.Head(key));
  AddFile add;
  add.path = dir + name;  // the name needs no URI encoding
  add.partition_values = files.front().partition_values;
  add.size = obj.size;
  add.modification_time = obj.modification_time_ms;
  add.data_change = false;
  add.stats = stats.ToJson();
  *rows += stats.num_records();
  return add;
}

}  // namespace

Result<OptimizeResult> Optimize(DeltaTable& table, const OptimizeOptions& options) {
  TableStorage& storage = table.storage();
  PINPIPE_ASSIGN_OR_RETURN(Snapshot snap, table.LoadSnapshot());
  OptimizeResult out;
  // Each partition is compacted on its own: a bin never mixes partitions (its file goes in
  // the partition's directory with the partition's values).
  std::map<StringMap, std::vector<AddFile>> small;
  for (const auto& f : snap.files()) {
    if (f.size * 2 < options.target_file_bytes && !f.deletion_vector_json) {
      small[f.partition_values].push_back(f);
    }
  }
  // Parquet files of a partitioned table hold the data columns only (PROTOCOL.md "Partition
  // Columns"): the partition columns live in the add actions' partitionValues.
  DeltaSchema data_schema = snap.schema();
  const auto& partition_columns = snap.metadata().partition_columns;
  std::erase_if(data_schema.fields, [&](const DeltaField& f) {
    return std::find(partition_columns.begin(), partition_columns.end(), f.name) != partition_columns.end();
  });
  PINPIPE_ASSIGN_OR_RETURN(Schema schema, ParquetSchemaForDelta(data_schema));
  // Bins of consecutive files up to the target size.
  std::vector<AddFile> adds;
  std::vector<RemoveFile> removes;
  const int64_t now = NowMillis();
  for (auto& [values, files] : small) {
    if (files.size() < std::max<size_t>(2, options.min_files)) continue;
    std::sort(files.begin(), files.end(),
              [](const AddFile& a, const AddFile& b) { return a.path < b.path; });
    size_t i = 0;
    while (i < files.size()) {
      size_t j = i;
      int64_t bytes = 0;
      while (j < files.size() && (j == i || bytes + files[j].size <= options.target_file_bytes)) {
        bytes += files[j++].size;
      }
      if (j - i >= 2) {
        std::vector<AddFile> bin(files.begin() + static_cast<std::ptrdiff_t>(i),
                                 files.begin() + static_cast<std::ptrdiff_t>(j));
        PINPIPE_ASSIGN_OR_RETURN(AddFile add, Rewrite(storage, schema, bin, options, &out.rows));
        out.bytes_added += add.size;
        adds.push_back(std::move(add));
        for (const auto& f : bin) {
          RemoveFile rm;
          rm.path = f.path;
          rm.deletion_timestamp = now;
          rm.data_change = false;
          rm.extended_file_metadata = true;
          rm.partition_values = f.partition_values;
          rm.size = f.size;
          out.bytes_removed += f.size;
          removes.push_back(std::move(rm));
        }
      }
      i = j;
    }
  }
  if (adds.empty()) return out;
  out.files_added = static_cast<int64_t>(adds.size());
  out.files_removed = static_cast<int64_t>(removes.size());

  std::vector<Action> actions;
  CommitInfo ci;
  ci.timestamp = now;
  ci.operation = "OPTIMIZE";
  ci.operation_parameters.emplace("predicate", "[]");
  ci.operation_parameters.emplace("zOrderBy", "[]");
  ci.read_version = snap.version();
  ci.is_blind_append = false;
  ci.engine_info = kEngineInfo;
  ci.operation_metrics.emplace("numRemovedFiles", std::to_string(out.files_removed));
  ci.operation_metrics.emplace("numAddedFiles", std::to_string(out.files_added));
  ci.operation_metrics.emplace("numRemovedBytes", std::to_string(out.bytes_removed));
  ci.operation_metrics.emplace("numAddedBytes", std::to_string(out.bytes_added));
  actions.emplace_back(std::move(ci));
  std::set<std::string> removed;
  for (auto& r : removes) {
    removed.insert(r.path);
    actions.emplace_back(std::move(r));
  }
  for (auto& a : adds) actions.emplace_back(std::move(a));
  const std::string body = SerializeCommit(actions);
  if (options.before_commit) options.before_commit();

  for (int64_t v = snap.version() + 1;; ++v) {
    auto put = storage.PutIfAbsent(CommitKey(v), body);
    if (put) {
      out.version = v;
      break;
    }
    if (put.error().code() != ErrorCode::kAlreadyExists) return std::unexpected(put.error());
    // Appends commute with a compaction; a concurrent removal of one of our files does not.
    PINPIPE_ASSIGN_OR_RETURN(std::string winner_body, storage.Get(CommitKey(v)));
    PINPIPE_ASSIGN_OR_RETURN(auto winner, ParseCommit(winner_body, CommitKey(v)));
    for (const auto& a : winner) {
      const auto* rm = std::get_if<RemoveFile>(&a);
      if (std::holds_alternative<Metadata>(a) || std::holds_alternative<Protocol>(a) ||
          (rm && removed.contains(rm->path))) {
        return MakeError(ErrorCode::kUnavailable,
                         storage.root() + ": version " + std::to_string(v) +
                             " changed the files being compacted; nothing committed");
      }
    }
  }
  if (out.version % 10 == 0) {  // Spark's delta.checkpointInterval
    if (auto s = Snapshot::Load(storage, out.version); s && WriteCheckpoint(storage, *s)) {
      out.checkpoint = out.version;
    }
  }
  return out;
}

}  // namespace pinpipe::lake
