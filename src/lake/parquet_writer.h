// Streaming Parquet file writer: columnar batches in, row groups out when the buffered bytes
// reach WriterOptions::row_group_size, footer on Close(). Memory is bounded by one row group
// of encoded pages plus the caller's batch.
//
//   auto w = ParquetWriter::Open(path, schema, {});
//   ColumnBatch batch(schema);
//   batch.column("ind")->AppendInt64(1); ...
//   (*w)->WriteBatch(batch); batch.Clear(); ...
//   (*w)->Close();
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "lake/parquet_column_data.h"
#include "lake/parquet_column_writer.h"
#include "lake/parquet_format.h"
#include "lake/parquet_io.h"
#include "lake/parquet_schema.h"
#include "lake/parquet_writer_options.h"

namespace pinpipe::lake {

class ParquetWriter {
 public:
  static Result<std::unique_ptr<ParquetWriter>> Open(const std::string& path, Schema schema,
                                                     WriterOptions options = {});
  static Result<std::unique_ptr<ParquetWriter>> Open(std::unique_ptr<OutputSink> sink, Schema schema,
                                                     WriterOptions options = {});

  // The batch must have this writer's schema (same leaves) and whole rows in every leaf.
  Status WriteBatch(const ColumnBatch& batch);
  // Writes the open row group (if any) and the footer; the writer is unusable afterwards.
  Status Close();

  const Schema& schema() const { return schema_; }
  // Complete after Close().
  const format::FileMetaData& metadata() const { return md_; }
  uint64_t bytes_written() const { return offset_; }

 private:
  ParquetWriter(std::unique_ptr<OutputSink> sink, Schema schema, WriterOptions options);
  Status Start();
  Status FlushRowGroup();
  bool GroupFull() const {
    return opt_.row_group_rows > 0 && rows_in_group_ >= static_cast<int64_t>(opt_.row_group_rows);
  }
  // Writes one finished column chunk (dictionary page, data pages) and records it in `rg`.
  Status AppendChunk(const std::string& dict, const std::string& pages, format::ColumnChunk* cc,
                     format::RowGroup* rg, int64_t* compressed);
  // fn(column index) for every column, on up to options.threads threads.
  void ForEachColumnInParallel(const std::function<void(size_t)>& fn);
  Status Write(std::string_view bytes);

  std::unique_ptr<OutputSink> sink_;
  Schema schema_;
  WriterOptions opt_;
  std::vector<std::unique_ptr<ColumnChunkWriter>> columns_;
  int64_t rows_in_group_ = 0;
  uint64_t offset_ = 0;
  format::FileMetaData md_;
  std::string dict_buf_, pages_buf_;
  bool closed_ = false;
};

}  // namespace pinpipe::lake
