// The Delta tables one micro-batch appends to: for each kind the clean table
// (<prefix>_pin_table, written by the batch's own Parquet writer: batch/table_writer.h) and the
// quarantine table (table, reason, raw — the batch's quarantine schema). Each append is ONE
// commit holding the batch's data file and txn{appId, version = batch id}, with a commitInfo
// "STREAMING UPDATE" as Spark's Delta sink writes it (streaming.md §2.2-2.3); a table that
// already holds txn(appId) >= batch id skips it (a replay after a crash).
#pragma once

#include <memory>
#include <span>
#include <string>

#include "common/status.h"
#include "lake/delta_table.h"
#include "pinterest/clean_tables.h"
#include "pinterest/columns.h"
#include "pinterest/quarantine.h"

namespace pinpipe::stream {

struct AppendResult {
  bool skipped = false;   // the batch was already in the table
  int64_t version = -1;   // the version committed (or read, when skipped)
  size_t rows = 0;
  int64_t bytes = 0;
};

class StreamTable {
 public:
  StreamTable(std::unique_ptr<lake::TableStorage> storage,
              std::span<const pinterest::ColumnSpec> specs, std::string name);

  // The last batch of `app_id` this table holds (-1 = none; a missing table holds none).
  Result<int64_t> CommittedBatch(const std::string& app_id);

  Result<AppendResult> Append(const pinterest::CleanPinTable& t, const std::string& app_id, int64_t batch);
  Result<AppendResult> Append(const pinterest::CleanGeoTable& t, const std::string& app_id, int64_t batch);
  Result<AppendResult> Append(const pinterest::CleanUserTable& t, const std::string& app_id, int64_t batch);
  // The quarantined records of `kind` in `q`.
  Result<AppendResult> AppendQuarantine(const pinterest::QuarantineTable& q, pinterest::RawKind kind,
                                        const std::string& app_id, int64_t batch);

  lake::TableStorage& storage() { return table_.storage(); }
  // The next commits' commitInfo.userMetadata: the batch and the offset ranges it read
  // (`{"batch":N,"ranges":[{"topic","partition","start","end"}]}`), so a record's offset
  // leads to the commit that holds it (the dashboard's record trace).
  void SetBatchMetadata(std::string json) { batch_metadata_ = std::move(json); }
  static std::span<const pinterest::ColumnSpec> QuarantineSchema();

 private:
  Status EnsureCreated();
  Result<AppendResult> Commit(Result<lake::AddFile> add, size_t rows, const std::string& app_id,
                              int64_t batch);

  lake::DeltaTable table_;
  std::span<const pinterest::ColumnSpec> specs_;
  std::string name_;
  bool created_ = false;
  std::string batch_metadata_;
};

}  // namespace pinpipe::stream
