// The parquet.thrift structures pinpipe reads and writes (apache/parquet-format
// src/main/thrift/parquet.thrift), as plain C++ structs, with compact-protocol
// serialization. Optional thrift fields are std::optional; fields we never use are skipped
// on read and not written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace pinpipe::lake::format {

// parquet.thrift `Type`.
enum class Type : int32_t {
  kBoolean = 0, kInt32 = 1, kInt64 = 2, kInt96 = 3, kFloat = 4, kDouble = 5,
  kByteArray = 6, kFixedLenByteArray = 7,
};
// parquet.thrift `ConvertedType` (the subset we write; others are carried as numbers).
enum ConvertedType : int32_t {
  kUtf8 = 0, kMap = 1, kMapKeyValue = 2, kList = 3, kTimestampMillis = 9, kTimestampMicros = 10,
};
enum class Repetition : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };
// parquet.thrift `Encoding`.
enum Encoding : int32_t {
  kPlain = 0, kPlainDictionary = 2, kRle = 3, kBitPacked = 4, kDeltaBinaryPacked = 5,
  kDeltaLengthByteArray = 6, kDeltaByteArray = 7, kRleDictionary = 8, kByteStreamSplit = 9,
};
enum class Codec : int32_t {
  kUncompressed = 0, kSnappy = 1, kGzip = 2, kLzo = 3, kBrotli = 4, kLz4 = 5, kZstd = 6, kLz4Raw = 7,
};
enum class PageType : int32_t { kDataPage = 0, kIndexPage = 1, kDictionaryPage = 2, kDataPageV2 = 3 };

// LogicalType union, reduced to what we need to distinguish (parquet.thrift 490-517).
struct LogicalType {
  enum Kind : int16_t { kNone = 0, kString = 1, kMap = 2, kList = 3, kEnum = 4, kDecimal = 5,
                        kDate = 6, kTime = 7, kTimestamp = 8, kInteger = 10, kUnknown = 11,
                        kJson = 12, kBson = 13, kUuid = 14, kFloat16 = 15 };
  int16_t kind = kNone;  // the union field id that was set
  // TIMESTAMP / TIME
  bool is_adjusted_to_utc = false;
  int16_t time_unit = 0;  // 1 MILLIS, 2 MICROS, 3 NANOS
  // INTEGER
  int8_t bit_width = 0;
  bool is_signed = true;
  // DECIMAL
  int32_t scale = 0;
  int32_t precision = 0;
};

struct SchemaElement {
  std::optional<Type> type;
  std::optional<int32_t> type_length;
  std::optional<Repetition> repetition_type;
  std::string name;
  std::optional<int32_t> num_children;
  std::optional<int32_t> converted_type;
  std::optional<int32_t> scale;
  std::optional<int32_t> precision;
  std::optional<int32_t> field_id;
  std::optional<LogicalType> logical_type;
};

struct Statistics {
  std::optional<std::string> max;  // deprecated, signed order
  std::optional<std::string> min;
  std::optional<int64_t> null_count;
  std::optional<int64_t> distinct_count;
  std::optional<std::string> max_value;
  std::optional<std::string> min_value;
  std::optional<int64_t> nan_count;
};

struct KeyValue {
  std::string key;
  std::optional<std::string> value;
};

struct ColumnMetaData {
  Type type = Type::kBoolean;
  std::vector<int32_t> encodings;
  std::vector<std::string> path_in_schema;
  Codec codec = Codec::kUncompressed;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  std::vector<KeyValue> key_value_metadata;
  int64_t data_page_offset = 0;
  std::optional<int64_t> index_page_offset;
  std::optional<int64_t> dictionary_page_offset;
  std::optional<Statistics> statistics;
};

struct ColumnChunk {
  std::optional<std::string> file_path;
  int64_t file_offset = 0;
  std::optional<ColumnMetaData> meta_data;
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t total_byte_size = 0;
  int64_t num_rows = 0;
  std::optional<int64_t> file_offset;
  std::optional<int64_t> total_compressed_size;
  std::optional<int16_t> ordinal;
};

struct FileMetaData {
  int32_t version = 1;
  std::vector<SchemaElement> schema;
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::vector<KeyValue> key_value_metadata;
  std::optional<std::string> created_by;
  // One entry per leaf; true = TypeDefinedOrder. Empty when absent.
  std::vector<bool> column_orders_type_defined;
};

struct DataPageHeader {
  int32_t num_values = 0;
  int32_t encoding = kPlain;
  int32_t definition_level_encoding = kRle;
  int32_t repetition_level_encoding = kRle;
};
struct DictionaryPageHeader {
  int32_t num_values = 0;
  int32_t encoding = kPlain;
  std::optional<bool> is_sorted;
};
struct DataPageHeaderV2 {
  int32_t num_values = 0;
  int32_t num_nulls = 0;
  int32_t num_rows = 0;
  int32_t encoding = kPlain;
  int32_t definition_levels_byte_length = 0;
  int32_t repetition_levels_byte_length = 0;
  bool is_compressed = true;
};

struct PageHeader {
  PageType type = PageType::kDataPage;
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  std::optional<int32_t> crc;
  std::optional<DataPageHeader> data_page_header;
  std::optional<DictionaryPageHeader> dictionary_page_header;
  std::optional<DataPageHeaderV2> data_page_header_v2;
};

// Serialization (appends to *out).
void Serialize(const FileMetaData& md, std::string* out);
void Serialize(const PageHeader& ph, std::string* out);

// Deserialization; *consumed receives the number of bytes the struct occupied.
Result<FileMetaData> ParseFileMetaData(const uint8_t* data, size_t size);
Result<PageHeader> ParsePageHeader(const uint8_t* data, size_t size, size_t* consumed);

}  // namespace pinpipe::lake::format
