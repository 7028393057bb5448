#include "lake/delta_column_mapping.h"

#include <simdjson.h>

namespace pinpipe::lake {

ColumnMappingMode MappingModeOf(const Metadata& md) {
  auto it = md.configuration.find("delta.columnMapping.mode");
  if (it == md.configuration.end() || !it->second) return ColumnMappingMode::kNone;
  if (*it->second == "name") return ColumnMappingMode::kName;
  if (*it->second == "id") return ColumnMappingMode::kId;
  return ColumnMappingMode::kNone;
}

FieldMapping MappingOf(const DeltaField& field) {
  FieldMapping m;
  m.physical_name = field.name;
  if (field.metadata_json.size() <= 2) return m;  // "{}"
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(field.metadata_json).get(doc)) return m;
  std::string_view name;
  if (!doc["delta.columnMapping.physicalName"].get(name)) m.physical_name = std::string(name);
  int64_t id;
  if (!doc["delta.columnMapping.id"].get(id)) m.id = id;
  return m;
}

}  // namespace pinpipe::lake
