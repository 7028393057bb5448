#include "lake/delta_table.h"

#include <chrono>

#include <simdjson.h>

#include "common/json_writer.h"
#include "lake/delta_checkpoint.h"
#include "lake/delta_log_cleanup.h"
#include "lake/delta_log_files.h"
#include "lake/delta_uuid.h"

namespace pinpipe::lake {

namespace {

std::unexpected<Error> Conflict(const TableStorage& storage, int64_t version, std::string why) {
  return MakeError(ErrorCode::kUnavailable,
                   storage.root() + ": concurrent commit " + std::to_string(version) +
                       " conflicts: " + std::move(why) + " (retry the write)");
}

// We implement writer version 2 (appendOnly, invariants: no invariants are ever written by us,
// so only appendOnly needs enforcing) and no writer table features beyond those two.
Status CheckWritable(const Snapshot& snap, WriteMode mode) {
  const Protocol& p = snap.protocol();
  const std::string& root = snap.metadata().id;
  if (p.min_writer_version > 2 && p.min_writer_version != 7) {
    return MakeError(ErrorCode::kUnsupported, "table " + root + " needs Delta writer version " +
                                                  std::to_string(p.min_writer_version));
  }
  if (p.min_writer_version == 7 && p.writer_features) {
    for (const auto& f : *p.writer_features) {
      if (f != "appendOnly" && f != "invariants") {
        return MakeError(ErrorCode::kUnsupported,
                         "table " + root + " needs writer feature '" + f + "'");
      }
    }
  }
  auto it = snap.metadata().configuration.find("delta.appendOnly");
  if (mode == WriteMode::kOverwrite && it != snap.metadata().configuration.end() &&
      it->second == "true") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "table " + root + " is append-only (delta.appendOnly=true)");
  }
  return OkStatus();
}

// operationMetrics of a commit that adds files, as Spark records for a write (Delta's
// DeltaOperationMetrics.WRITE) so DESCRIBE HISTORY shows them: files and bytes written, and the
// rows when every file's stats carry numRecords.
StringMap WriteMetrics(const std::vector<Action>& actions) {
  int64_t files = 0, bytes = 0, rows = 0;
  bool rows_known = true;
  simdjson::dom::parser parser;
  for (const auto& action : actions) {
    const auto* a = std::get_if<AddFile>(&action);
    if (!a) continue;
    ++files;
    bytes += a->size;
    auto n = a->stats ? parser.parse(*a->stats)["numRecords"].get_int64()
                      : simdjson::simdjson_result<int64_t>(simdjson::NO_SUCH_FIELD);
    if (n.error()) {
      rows_known = false;
    } else {
      rows += n.value_unsafe();
    }
  }
  StringMap m;
  m.emplace("numFiles", std::to_string(files));
  m.emplace("numOutputBytes", std::to_string(bytes));
  if (rows_known) m.emplace("numOutputRows", std::to_string(rows));
  return m;
}

std::string JsonStringArray(const std::vector<std::string>& v) {
  std::string out = "[";
  for (const auto& s : v) {
    if (out.size() > 1) out += ',';
    AppendJsonString(out, s);
  }
  return out + "]";
}

// A file is in the partition when each of the partition's columns has the same value.
bool InPartition(const StringMap& values, const StringMap& partition) {
  for (const auto& [k, v] : partition) {
    auto it = values.find(k);
    if (it == values.end() || it->second != v) return false;
  }
  return true;
}

// Spark records a replaceWhere as operationParameters.predicate, a JSON array of SQL text.
std::string PredicateOf(const StringMap& partition) {
  std::string sql;
  for (const auto& [k, v] : partition) {
    if (!sql.empty()) sql += " AND ";
    sql += "(" + k + (v ? " = '" + *v + "')" : " IS NULL)");
  }
  return JsonStringArray({sql});
}

}  // namespace

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Metadata NewTableMetadata(const DeltaSchema& schema, std::optional<std::string> name) {
  Metadata md;
  md.id = NewUuid();
  md.name = std::move(name);
  md.schema_string = DeltaSchemaToJson(schema);
  md.created_time = NowMillis();
  return md;
}

DeltaTable::DeltaTable(std::unique_ptr<TableStorage> storage, TableOptions options)
    : storage_(std::move(storage)), options_(options) {}

DeltaTable DeltaTable::OpenLocal(std::string dir, TableOptions options) {
  return DeltaTable(NewLocalTableStorage(std::move(dir)), options);
}

Result<CommitResult> DeltaTable::Create(const DeltaSchema& schema, std::vector<AddFile> adds,
                                        std::optional<std::string> name) {
  return Create(schema, std::move(adds), std::move(name), CreateOptions{});
}

Result<CommitResult> DeltaTable::Create(const DeltaSchema& schema, std::vector<AddFile> adds,
                                        std::optional<std::string> name,
                                        const CreateOptions& options) {
  if (schema.kind != DeltaType::Kind::kStruct) {
    return MakeError(ErrorCode::kInvalidArgument, "a table schema must be a struct");
  }
  std::vector<Action> actions;
  CommitInfo ci;
  ci.timestamp = NowMillis();
  ci.operation = "CREATE TABLE";
  ci.operation_parameters.emplace("mode", "ErrorIfExists");
  if (!options.partition_columns.empty()) {
    ci.operation_parameters.emplace("partitionBy", JsonStringArray(options.partition_columns));
  }
  for (const auto& [k, v] : options.operation_parameters) ci.operation_parameters.emplace(k, v);
  ci.is_blind_append = true;
  ci.user_metadata = options.user_metadata;
  ci.engine_info = kEngineInfo;
  actions.emplace_back(std::move(ci));
  actions.emplace_back(Protocol{});
  Metadata md = NewTableMetadata(schema, std::move(name));
  md.partition_columns = options.partition_columns;
  actions.emplace_back(std::move(md));
  for (auto& a : adds) actions.emplace_back(std::move(a));
  if (actions.size() > 3) std::get<CommitInfo>(actions[0]).operation_metrics = WriteMetrics(actions);
  return CommitLoop(-1, std::move(actions), nullptr);
}

Result<CommitResult> DeltaTable::Commit(CommitRequest request) {
  return Commit(std::move(request), CommitOptions{});
}

Result<CommitResult> DeltaTable::Commit(CommitRequest request, const CommitOptions& options) {
  const bool blind_append = request.mode == WriteMode::kAppend && !options.new_metadata;
  std::optional<Snapshot> loaded;
  if (!blind_append || !tip_) {
    tip_.reset();
    PINPIPE_ASSIGN_OR_RETURN(loaded, Snapshot::Load(*storage_));
    if (blind_append) tip_ = std::move(loaded);
  }
  const Snapshot& snap = blind_append ? *tip_ : *loaded;
  PINPIPE_RETURN_IF_ERROR(CheckWritable(snap, request.mode));
  if (request.txn && snap.TxnVersion(request.txn->app_id) >= request.txn->version) {
    CommitResult r;
    r.version = snap.version();
    r.skipped = true;
    return r;
  }
  const int64_t now = NowMillis();
  std::vector<Action> actions;
  actions.reserve(request.adds.size() + (request.mode == WriteMode::kOverwrite ? snap.files().size() : 0) + 3);
  CommitInfo ci;
  ci.timestamp = now;
  if (options.streaming) {
    const StreamingUpdate& streaming = *options.streaming;
    ci.operation = "STREAMING UPDATE";
    ci.operation_parameters.emplace("outputMode", streaming.output_mode);
    ci.operation_parameters.emplace("queryId", streaming.query_id);
    ci.operation_parameters.emplace("epochId", std::to_string(streaming.epoch_id));
  } else {
    ci.operation = "WRITE";
    ci.operation_parameters.emplace("mode",
                                    request.mode == WriteMode::kAppend ? "Append" : "Overwrite");
    ci.operation_parameters.emplace(
        "partitionBy", JsonStringArray(options.new_metadata ? options.new_metadata->partition_columns
                                                            : snap.metadata().partition_columns));
  }
  if (request.mode == WriteMode::kOverwrite && options.replace_partition) {
    ci.operation_parameters.emplace("predicate", PredicateOf(*options.replace_partition));
  }
  for (const auto& [k, v] : options.operation_parameters) ci.operation_parameters.emplace(k, v);
  ci.read_version = snap.version();
  ci.is_blind_append = request.mode == WriteMode::kAppend;
  ci.user_metadata = options.user_metadata;
  ci.engine_info = kEngineInfo;
  actions.emplace_back(std::move(ci));
  if (options.new_metadata) {
    if (request.mode != WriteMode::kOverwrite || options.replace_partition) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "a metadata change needs a whole-table overwrite");
    }
    actions.emplace_back(*options.new_metadata);
  }
  if (request.txn) {
    Txn t = *request.txn;
    if (!t.last_updated) t.last_updated = now;
    actions.emplace_back(std::move(t));
  }
  if (request.mode == WriteMode::kOverwrite) {
    for (const auto& f : snap.files()) {
      if (options.replace_partition && !InPartition(f.partition_values, *options.replace_partition)) {
        continue;
      }
      RemoveFile rm;
      rm.path = f.path;
      rm.deletion_timestamp = now;
      rm.data_change = true;
      rm.extended_file_metadata = true;
      rm.partition_values = f.partition_values;
      rm.size = f.size;
      actions.emplace_back(std::move(rm));
    }
  }
  for (auto& a : request.adds) actions.emplace_back(std::move(a));
  request.adds.clear();
  auto& metrics = std::get<CommitInfo>(actions[0]).operation_metrics;
  metrics = WriteMetrics(actions);
  if (options.streaming) {
    // DeltaOperationMetrics.STREAMING_UPDATE: numAddedFiles, numRemovedFiles, numOutputRows,
    // numOutputBytes.
    int64_t removed = 0;
    for (const auto& a : actions) removed += std::holds_alternative<RemoveFile>(a) ? 1 : 0;
    metrics.emplace("numAddedFiles", metrics["numFiles"]);
    metrics.erase("numFiles");
    metrics.emplace("numRemovedFiles", std::to_string(removed));
  }
  auto result = CommitLoop(snap.version(), std::move(actions), &request, &options, blind_append);
  if (!result) tip_.reset();
  return result;
}

Result<CommitResult> DeltaTable::CommitLoop(int64_t read_version, std::vector<Action> actions,
                                            const CommitRequest* request,
                                            const CommitOptions* options, bool advance_tip) {
  const std::string body = SerializeCommit(actions);
  CommitResult result;
  int64_t version = read_version + 1;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt, ++version) {
    result.attempts = attempt;
    auto put = storage_->PutIfAbsent(CommitKey(version), body);
    if (put) {
      result.version = version;
      if (!(advance_tip && attempt == 1 && tip_ && tip_->ApplyBlindAppend(version, actions))) tip_.reset();
      MaybeCheckpoint(result);
      return result;
    }
    if (put.error().code() != ErrorCode::kAlreadyExists) return std::unexpected(put.error());
    if (request == nullptr) {
      return MakeError(ErrorCode::kAlreadyExists,
                       storage_->root() + " is already a Delta table (version 0 exists)");
    }
    // Another writer won this version: is what it committed compatible with ours?
    PINPIPE_ASSIGN_OR_RETURN(std::string winner_body, storage_->Get(CommitKey(version)));
    PINPIPE_ASSIGN_OR_RETURN(auto winner, ParseCommit(winner_body, CommitKey(version)));
    for (const auto& a : winner) {
      if (std::holds_alternative<Metadata>(a) || std::holds_alternative<Protocol>(a)) {
        return Conflict(*storage_, version, "the table metadata or protocol changed");
      }
      if (const auto* t = std::get_if<Txn>(&a);
          t && request->txn && t->app_id == request->txn->app_id) {
        if (t->version >= request->txn->version) {
          // Our batch (or a later one of the same application) is already in: idempotent skip.
          tip_.reset();
          result.version = version;
          result.skipped = true;
          return result;
        }
        return Conflict(*storage_, version, "application " + t->app_id + " committed concurrently");
      }
      if (request->mode == WriteMode::kOverwrite) {
        const auto* add = std::get_if<AddFile>(&a);
        const auto* rm = std::get_if<RemoveFile>(&a);
        // Under a partition replace only files of the same partition conflict.
        if (options && options->replace_partition &&
            !((add && InPartition(add->partition_values, *options->replace_partition)) ||
              (rm && InPartition(rm->partition_values, *options->replace_partition)))) {
          continue;
        }
        if ((add && add->data_change) || (rm && rm->data_change)) {
          return Conflict(*storage_, version, "files were added or removed under an overwrite");
        }
      }
    }
    // Blind appends never conflict with each other: try the next version.
  }
  return MakeError(ErrorCode::kUnavailable, storage_->root() + ": gave up committing after " +
                                                std::to_string(options_.max_attempts) +
                                                " concurrent commits");
}

void DeltaTable::MaybeCheckpoint(CommitResult& result) {
  const int64_t v = result.version;
  if (options_.checkpoint_interval <= 0 || v == 0 || v % options_.checkpoint_interval != 0) return;
  // A checkpoint for v may only be written once v.json exists (PROTOCOL.md "Checkpoints").
  // The tip, when it is at v, is v's state (it followed this writer's own commit).
  std::optional<Snapshot> loaded;
  if (!tip_ || tip_->version() != v) {
    auto snap = Snapshot::Load(*storage_, v);
    if (!snap) {
      result.checkpoint_error = snap.error();
      return;
    }
    loaded = std::move(*snap);
  }
  const Snapshot* snap = loaded ? &*loaded : &*tip_;
  auto lc = WriteCheckpoint(*storage_, *snap);
  if (!lc) {
    result.checkpoint_error = lc.error();
    return;
  }
  result.checkpoint = v;
  if (!options_.log_cleanup) return;
  const Clock& clock = options_.clock ? *options_.clock : Clock::System();
  auto cleaned = CleanupExpiredLogs(*storage_, snap->metadata(), clock.WallMs());
  if (!cleaned) {
    result.log_cleanup_error = cleaned.error();
    return;
  }
  result.log_files_deleted = static_cast<int64_t>(cleaned->deleted.size());
}

}  // namespace pinpipe::lake
