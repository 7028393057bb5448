// Writing a Delta table: optimistic transactions committed by put-if-absent
// (PROTOCOL.md "Requirements for Writers"). A writer reads the latest snapshot, stages actions
// and tries to create _delta_log/<read version + 1>.json; if another writer created it first
// (kAlreadyExists) it reads the winning commits, checks them for conflicts with what it read and
// wrote, and retries at the next version. Every `checkpoint_interval` versions it also writes a
// checkpoint (delta_checkpoint.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "lake/delta_actions.h"
#include "lake/delta_schema.h"
#include "lake/delta_snapshot.h"
#include "lake/delta_storage.h"

namespace pinpipe::lake {

inline constexpr std::string_view kEngineInfo = "pinpipe/0.1.0";

enum class WriteMode {
  kAppend,     // add files
  kOverwrite,  // remove every active file and add the new ones, in one commit
};

struct CommitRequest {
  WriteMode mode = WriteMode::kAppend;
  std::vector<AddFile> adds;
  // Idempotent writers (PROTOCOL.md "Transaction Identifiers"): when the table already holds a
  // txn for txn->app_id with a version >= txn->version the commit is skipped, not repeated.
  std::optional<Txn> txn;
};

// A streaming sink's batch: commitInfo says "STREAMING UPDATE" with Spark's parameters
// (outputMode, queryId, epochId) and metrics (DeltaOperations.StreamingUpdate).
struct StreamingUpdate {
  std::string output_mode = "Append";
  std::string query_id;
  int64_t epoch_id = 0;
};

// A commit's options beyond CommitRequest (a separate struct so that CommitRequest's
// positional initialisers stay complete).
struct CommitOptions {
  // With kOverwrite: remove only the active files whose partitionValues equal these (Delta's
  // replaceWhere on partition columns), recorded as the commit's "predicate"; writers of other
  // partitions never conflict with it.
  std::optional<StringMap> replace_partition;
  // With kOverwrite and no replace_partition: the table's new metaData (schema or partition
  // columns change, Spark's overwriteSchema).
  std::optional<Metadata> new_metadata;
  // commitInfo: userMetadata and extra operationParameters.
  std::optional<std::string> user_metadata;
  StringMap operation_parameters;
  // A streaming batch: commitInfo says STREAMING UPDATE (instead of WRITE).
  std::optional<StreamingUpdate> streaming;
};

// Version 0's options beyond the schema.
struct CreateOptions {
  std::vector<std::string> partition_columns;
  std::optional<std::string> user_metadata;
  StringMap operation_parameters;
};

struct CommitResult {
  int64_t version = -1;               // the version committed (or, when skipped, the version read)
  bool skipped = false;               // the txn was already committed: nothing was written
  int attempts = 0;                   // put-if-absent attempts (1 = no race)
  std::optional<int64_t> checkpoint;  // a checkpoint written after this commit
  std::optional<Error> checkpoint_error;  // the commit stands even when the checkpoint failed
  int64_t log_files_deleted = 0;      // expired log files removed after the checkpoint
  std::optional<Error> log_cleanup_error;  // the commit and checkpoint stand regardless
};

struct TableOptions {
  int64_t checkpoint_interval = 10;  // Spark's default (DeltaConfig checkpointInterval)
  int max_attempts = 1000;           // put-if-absent attempts before giving up
  // After each checkpoint it writes, the writer deletes the log files that expired under
  // delta.logRetentionDuration (delta_log_cleanup.h), as Spark does. Off: keep every file.
  bool log_cleanup = true;
  const Clock* clock = nullptr;  // wall time for the log retention; nullptr = Clock::System()
};

class DeltaTable {
 public:
  explicit DeltaTable(std::unique_ptr<TableStorage> storage, TableOptions options = {});
  // A table in a local directory (created on Create()).
  static DeltaTable OpenLocal(std::string dir, TableOptions options = {});

  TableStorage& storage() { return *storage_; }

  // Version 0: commitInfo (CREATE TABLE), protocol (1, 2) and metaData with `schema`, plus
  // `adds` if given. kAlreadyExists when the table has a version 0 already.
  Result<CommitResult> Create(const DeltaSchema& schema, std::vector<AddFile> adds = {},
                              std::optional<std::string> name = std::nullopt);
  Result<CommitResult> Create(const DeltaSchema& schema, std::vector<AddFile> adds,
                              std::optional<std::string> name, const CreateOptions& options);

  // Appends or overwrites; see CommitRequest. kUnavailable on a conflict that a retry at the
  // next version cannot resolve (a concurrent metadata change, a concurrent write under an
  // overwrite, the same appId committing concurrently with a lower version).
  Result<CommitResult> Commit(CommitRequest request);
  Result<CommitResult> Commit(CommitRequest request, const CommitOptions& options);

  // The latest snapshot (or a version of it).
  Result<Snapshot> LoadSnapshot(std::optional<int64_t> version = std::nullopt) {
    return Snapshot::Load(*storage_, version);
  }

 private:
  // Tries versions read_version+1, +2, ... until one is created or a conflict is found.
  // advance_tip: the actions are a blind append read from tip_, which follows the commit when
  // it won the first version tried (else tip_ is dropped: other writers' commits are not in it).
  Result<CommitResult> CommitLoop(int64_t read_version, std::vector<Action> actions,
                                  const CommitRequest* request,
                                  const CommitOptions* options = nullptr, bool advance_tip = false);
  void MaybeCheckpoint(CommitResult& result);

  std::unique_ptr<TableStorage> storage_;
  TableOptions options_;
  // The snapshot of this writer's last blind append, at the version it committed. The next blind
  // append reads it instead of listing and replaying the log (a streaming writer commits every
  // few milliseconds, and a Load costs time in proportion to the log and the table's files); a
  // stale tip is safe: the put-if-absent of its version + 1 fails and the winners are checked.
  std::optional<Snapshot> tip_;
};

// A metaData action for a new table: random id, parquet format, the schema string, no
// partition columns, empty configuration, createdTime = now.
Metadata NewTableMetadata(const DeltaSchema& schema, std::optional<std::string> name = {});

int64_t NowMillis();

}  // namespace pinpipe::lake
