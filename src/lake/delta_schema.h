// The Delta table schema: Spark's StructType JSON as stored in metaData.schemaString
// (PROTOCOL.md "Schema Serialization Format"). Parsed so readers can show and project columns,
// serialized in Spark's key order (name, type, nullable, metadata) and compact spelling.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pinpipe::lake {

struct DeltaField;

struct DeltaType {
  enum class Kind { kPrimitive, kArray, kMap, kStruct };

  Kind kind = Kind::kPrimitive;
  // kPrimitive: the type name as spelled in the log: "long", "integer", "string", "double",
  // "boolean", "timestamp", "decimal(10,2)", ...
  std::string primitive;
  // kArray: children[0] = element; kMap: children[0] = key, children[1] = value.
  std::vector<DeltaType> children;
  // kArray: containsNull; kMap: valueContainsNull.
  bool contains_null = true;
  // kStruct: the fields in order.
  std::vector<DeltaField> fields;

  static DeltaType Primitive(std::string name);
  static DeltaType Array(DeltaType element, bool contains_null = true);
  static DeltaType Map(DeltaType key, DeltaType value, bool value_contains_null = true);
  static DeltaType Struct(std::vector<DeltaField> fields);

  bool is_primitive(std::string_view name) const {
    return kind == Kind::kPrimitive && primitive == name;
  }
  // Spark's simpleString: "long", "array<double>", "map<string,string>", "struct<a:int>".
  std::string ToString() const;
  bool operator==(const DeltaType&) const;
};

struct DeltaField {
  std::string name;
  DeltaType type;
  bool nullable = true;
  std::string metadata_json = "{}";  // kept verbatim (column mapping ids, invariants, comments)

  bool operator==(const DeltaField&) const = default;
};

// The table schema is a struct type.
using DeltaSchema = DeltaType;

// Parses a schemaString; rejects anything that is not a struct at the top.
Result<DeltaSchema> ParseDeltaSchema(std::string_view json);

// The compact Spark JSON for a type (a schemaString when given the top-level struct).
std::string DeltaSchemaToJson(const DeltaType& type);

}  // namespace pinpipe::lake
