// Writes typed columns (clean tables, quarantine, analytics results) as a Delta table that is
// overwritten in ONE commit: Parquet data files (one per 100k rows up to one per core, written
// in parallel over contiguous row ranges, named part-00000-…, part-00001-… so that readers,
// which list files by path, see the rows in write order), then version 0 (CREATE) or an
// overwrite commit (remove every active file + add the new ones). Readers see the old table or
// the new one, never a mix; a rerun with the same rows gives the same rows in the same order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "lake/delta_schema.h"
#include "lake/delta_actions.h"
#include "lake/delta_storage.h"
#include "pinterest/clean_tables.h"
#include "pinterest/columns.h"
#include "pinterest/quarantine.h"
#include "pinterest/result_table.h"

namespace pinpipe::batch {

// A read-only view of one column, typed by `type` (exactly one pointer set for the type):
// kLong: plain (never null) or i64; kInt: i32; kString: str; kDouble: f64; kTimestamp: i64;
// kDoubleArray: element0 + element1 (a two-element array, never null: geo's coordinates).
struct ColumnRef {
  pinterest::ColumnType type = pinterest::ColumnType::kLong;
  const std::vector<int64_t>* plain = nullptr;
  const pinterest::NumericColumn<int64_t>* i64 = nullptr;
  const pinterest::Int32Column* i32 = nullptr;
  const pinterest::DoubleColumn* f64 = nullptr;
  const pinterest::StringColumn* str = nullptr;
  const pinterest::DoubleColumn* element0 = nullptr;
  const pinterest::DoubleColumn* element1 = nullptr;
};

struct WrittenTable {
  std::string location;  // table root
  int64_t version = -1;
  size_t rows = 0;
  int64_t file_bytes = 0;
};

lake::DeltaSchema DeltaSchemaOf(std::span<const pinterest::ColumnSpec> specs);

// How a task's table write is committed: which run wrote it, and (dag.data_selection=interval)
// the date partition it replaces.
struct TableCommit {
  // Set: the table is partitioned by kDatePartitionColumn (a Delta `date`, kept in the log's
  // partitionValues, not in the data files, whose paths start with "ds=<date>/" as Spark
  // writes them); the commit removes only that partition's files (replaceWhere ds = '<date>').
  // Unset: the whole table is overwritten and unpartitioned.
  std::optional<std::string> date_partition;
  // commitInfo.userMetadata (DESCRIBE HISTORY, `pinpipe lake history`).
  std::optional<std::string> user_metadata;
  // "ds=<date>/" or "": where the part files go.
  std::string PartDir() const { return date_partition ? "ds=" + *date_partition + "/" : ""; }
};
inline constexpr std::string_view kDatePartitionColumn = "ds";  // Airflow's {{ ds }}

// `cols` parallel to `specs`, each with `rows` rows.
Result<WrittenTable> OverwriteDeltaTable(std::unique_ptr<lake::TableStorage> storage,
                                         std::span<const pinterest::ColumnSpec> specs,
                                         std::span<const ColumnRef> cols, size_t rows,
                                         const std::string& table_name,
                                         const TableCommit* commit = nullptr);

// The two halves of OverwriteDeltaTable, for writers that produce the part files themselves
// (in parallel, while later rows are still being computed): one Parquet part file (parts are
// numbered in row order), then one overwrite (or create) commit of all of them.
Result<lake::AddFile> WriteTablePart(lake::TableStorage& storage,
                                     std::span<const pinterest::ColumnSpec> specs,
                                     std::span<const ColumnRef> cols, size_t rows, int part,
                                     std::string_view dir = {});
// With `commit`: its date partition and userMetadata (see TableCommit); a table partitioned
// differently is repartitioned by a whole-table overwrite with the new metaData.
Result<WrittenTable> CommitOverwrite(std::unique_ptr<lake::TableStorage> storage,
                                     std::span<const pinterest::ColumnSpec> specs,
                                     std::vector<lake::AddFile> files, size_t rows,
                                     const std::string& table_name,
                                     const TableCommit* commit = nullptr);
// `dir`: a directory inside the table for the part file ("ds=2026-11-01/"), or "".
Result<lake::AddFile> WriteCleanPart(lake::TableStorage& s, const pinterest::CleanPinTable& t, int part,
                                     std::string_view dir = {});
Result<lake::AddFile> WriteCleanPart(lake::TableStorage& s, const pinterest::CleanGeoTable& t, int part,
                                     std::string_view dir = {});
Result<lake::AddFile> WriteCleanPart(lake::TableStorage& s, const pinterest::CleanUserTable& t, int part,
                                     std::string_view dir = {});

// Columns table, reason, raw (strings); only the rows of `kind`.
Result<WrittenTable> WriteQuarantine(std::unique_ptr<lake::TableStorage> s,
                                     const pinterest::QuarantineTable& q, pinterest::RawKind kind,
                                     const TableCommit* commit = nullptr);
Result<WrittenTable> WriteResultTable(std::unique_ptr<lake::TableStorage> s,
                                      const pinterest::ResultTable& t,
                                      const TableCommit* commit = nullptr);

}  // namespace pinpipe::batch
