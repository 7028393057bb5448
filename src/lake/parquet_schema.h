// The logical schema of a Parquet file as pinpipe sees it: a tree of fields (primitive leaves,
// LIST, STRUCT, MAP) and its flattening into leaf columns with definition/repetition level
// maxima (parquet-format README "Nested encoding"; LogicalTypes.md "Nested types").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "lake/parquet_format.h"

namespace pinpipe::lake {

// Leaf value types pinpipe writes; each maps to one physical type + annotation.
enum class LeafType : uint8_t {
  kInt32,      // INT32
  kInt64,      // INT64
  kDouble,     // DOUBLE
  kBoolean,    // BOOLEAN
  kString,     // BYTE_ARRAY + STRING/UTF8
  kTimestamp,  // INT64 + TIMESTAMP(isAdjustedToUTC=true, MICROS) / TIMESTAMP_MICROS
  kBinary,     // BYTE_ARRAY without annotation (read side only, e.g. foreign files)
  kUnsupported,  // a foreign leaf we can describe but not decode
  // Read side only (foreign files):
  kFloat,      // FLOAT
  kInt96,      // INT96 (legacy Impala/Spark timestamp), decoded to µs since the epoch in i64
  kFixed,      // FIXED_LEN_BYTE_ARRAY (decimal, UUID, FLOAT16, fixed binary), values in str
};
const char* LeafTypeName(LeafType t);

struct Field {
  enum class Kind : uint8_t { kPrimitive, kList, kStruct, kMap };
  std::string name;
  Kind kind = Kind::kPrimitive;
  LeafType type = LeafType::kInt64;  // kPrimitive only
  bool nullable = true;
  // kList: one child (the element, its name is ignored and written as "element");
  // kStruct: the fields; kMap: {key, value} (the key is written REQUIRED).
  std::vector<Field> children;
  // Parquet field_id (Delta column mapping "id" mode matches on it); read side.
  std::optional<int32_t> field_id;

  static Field Primitive(std::string name, LeafType type, bool nullable = true);
  static Field List(std::string name, Field element, bool nullable = true);
  static Field Struct(std::string name, std::vector<Field> fields, bool nullable = true);
  static Field Map(std::string name, Field key, Field value, bool nullable = true);
};

// The logical annotation of a leaf as read from a file (LogicalTypes.md), normalised from
// LogicalType or the legacy ConvertedType; it decides how values are shown, not how decoded.
struct LeafAnnotation {
  enum Kind : uint8_t { kNone, kString, kDecimal, kDate, kTime, kTimestamp, kUuid, kInteger, kFloat16, kJson };
  Kind kind = kNone;
  int32_t scale = 0, precision = 0;  // kDecimal
  int8_t unit = 2;                   // kTime / kTimestamp: 1 MILLIS, 2 MICROS, 3 NANOS
  bool utc = true;                   // kTime / kTimestamp: isAdjustedToUTC
  int8_t bit_width = 0;              // kInteger
  bool is_signed = true;             // kInteger
};

// One leaf column in schema order.
struct LeafColumn {
  std::vector<std::string> path;  // path_in_schema, e.g. {"tags","list","element"}
  LeafType type = LeafType::kInt64;
  format::Type physical = format::Type::kInt64;
  int max_def = 0;
  int max_rep = 0;
  size_t top_level = 0;  // index of the top-level field this leaf belongs to
  int32_t type_length = 0;  // FIXED_LEN_BYTE_ARRAY width
  LeafAnnotation annotation;
};

class Schema {
 public:
  Schema() = default;
  explicit Schema(std::vector<Field> fields);

  // Builds from the flattened SchemaElements of a footer; rejects shapes it cannot read.
  static Result<Schema> FromElements(const std::vector<format::SchemaElement>& elements);

  const std::vector<Field>& fields() const { return fields_; }
  const std::vector<LeafColumn>& leaves() const { return leaves_; }
  // Index of the top-level field with this name, or -1.
  int FindField(std::string_view name) const;
  // Leaves of top-level field i: [first, first + count).
  std::pair<size_t, size_t> LeafRange(size_t top_level) const;

  // Depth-first SchemaElements, root "spark_schema" first (lake.md §2.3, pitfall 3).
  std::vector<format::SchemaElement> ToElements() const;

  // Human-readable "message spark_schema { ... }".
  std::string ToString() const;

 private:
  void Flatten();
  std::vector<Field> fields_;
  std::vector<LeafColumn> leaves_;
};

}  // namespace pinpipe::lake
