// Delta column mapping (PROTOCOL.md "Column Mapping"): with delta.columnMapping.mode = name or
// id, data files name columns by their physical names (schema field metadata
// delta.columnMapping.physicalName) or carry the field ids (delta.columnMapping.id) as Parquet
// field_id, so renames and drops never rewrite data. Readers map those back to the logical
// schema; partition values are keyed by physical name too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "lake/delta_actions.h"
#include "lake/delta_schema.h"

namespace pinpipe::lake {

enum class ColumnMappingMode { kNone, kName, kId };

ColumnMappingMode MappingModeOf(const Metadata& md);

struct FieldMapping {
  std::string physical_name;  // the logical name when the field has no mapping metadata
  std::optional<int64_t> id;
};

// The mapping metadata of one field (from its metadata JSON).
FieldMapping MappingOf(const DeltaField& field);

}  // namespace pinpipe::lake
