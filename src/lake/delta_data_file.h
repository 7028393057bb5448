// Data files of a Delta table: Parquet files named like Spark's
// (part-00000-<uuid>-c000.<codec>.parquet, unique so they are never overwritten — PROTOCOL.md
// "Data Files"), written with the Parquet writer, and the add action that commits one, with
// stats collected while writing. Also the mapping between Delta and Parquet schemas.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "lake/delta_actions.h"
#include "lake/delta_schema.h"
#include "lake/delta_stats.h"
#include "lake/delta_storage.h"
#include "lake/parquet_writer.h"

namespace pinpipe::lake {

// long, integer, double, boolean, string, timestamp and arrays of those (lake.md §1.4, §3.2).
Result<Schema> ParquetSchemaForDelta(const DeltaSchema& schema);
Result<DeltaSchema> DeltaSchemaForParquet(const Schema& schema);

class DataFileWriter {
 public:
  static Result<std::unique_ptr<DataFileWriter>> Open(TableStorage& storage, const Schema& schema,
                                                      WriterOptions options = {});

  Status Write(const ColumnBatch& batch);
  // Completes the file; the add action is ready to commit (nothing is visible before that).
  Result<AddFile> Close();

  const std::string& key() const { return key_; }

 private:
  DataFileWriter(TableStorage& storage, const Schema& schema) : storage_(storage), stats_(schema) {}

  TableStorage& storage_;
  std::string key_;
  std::string buffer_;  // remote stores: the file is assembled in memory, then Put
  bool local_ = true;
  std::unique_ptr<ParquetWriter> writer_;
  DeltaStatsCollector stats_;
};

// One batch as one data file.
Result<AddFile> WriteDataFile(TableStorage& storage, const ColumnBatch& batch,
                              WriterOptions options = {});

}  // namespace pinpipe::lake
