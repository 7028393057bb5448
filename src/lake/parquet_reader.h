// Parquet file reader: footer and schema, then column chunks decoded into columnar LeafData
// (definition/repetition levels + typed values; strings into one arena per leaf). Reads what
// pinpipe writes and what Spark/parquet-java, arrow and DuckDB write for the same types:
// data pages v1 and v2, PLAIN, PLAIN_DICTIONARY/RLE_DICTIONARY, RLE and BIT_PACKED levels,
// SNAPPY, GZIP, ZSTD, UNCOMPRESSED. Every length and offset from the file is checked; corrupt
// input yields kCorruption, never a crash.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "lake/parquet_column_data.h"
#include "lake/parquet_format.h"
#include "lake/parquet_io.h"
#include "lake/parquet_schema.h"

namespace pinpipe::lake {

class ParquetReader {
 public:
  static Result<std::unique_ptr<ParquetReader>> Open(const std::string& path);
  static Result<std::unique_ptr<ParquetReader>> Open(std::unique_ptr<InputSource> source);

  const format::FileMetaData& metadata() const { return md_; }
  const Schema& schema() const { return schema_; }
  size_t num_row_groups() const { return md_.row_groups.size(); }
  int64_t num_rows() const { return md_.num_rows; }
  // Footer key/value metadata value for key, or nullptr.
  const std::string* FindKeyValue(std::string_view key) const;

  // Low level: leaf column `leaf` (schema().leaves() index) of a row group, with its levels;
  // nested data (structs, maps, lists) is assembled by the caller from the levels.
  Status ReadLeaf(size_t row_group, size_t leaf, LeafData* out) const;

  // Top-level columns by name (empty = all, in file order; unknown name = kNotFound).
  Result<Schema> Project(const std::vector<std::string>& columns) const;
  // One row group of the projected columns as a batch whose schema is Project(columns).
  Result<ColumnBatch> ReadRowGroup(size_t row_group, const std::vector<std::string>& columns = {}) const;

 private:
  explicit ParquetReader(std::unique_ptr<InputSource> source) : source_(std::move(source)) {}
  Status Init();

  std::unique_ptr<InputSource> source_;
  format::FileMetaData md_;
  Schema schema_;
};

}  // namespace pinpipe::lake
