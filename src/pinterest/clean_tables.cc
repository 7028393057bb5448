#include "pinterest/clean_tables.h"

namespace pinpipe::pinterest {

std::string_view ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kLong:
      return "long";
    case ColumnType::kInt:
      return "integer";
    case ColumnType::kString:
      return "string";
    case ColumnType::kDouble:
      return "double";
    case ColumnType::kTimestamp:
      return "timestamp";
    case ColumnType::kDoubleArray:
      return "array<double>";
  }
  return "?";
}

std::span<const ColumnSpec> CleanPinTable::Schema() {
  static constexpr ColumnSpec kSchema[] = {
      {"ind", ColumnType::kLong},          {"unique_id", ColumnType::kString},
      {"title", ColumnType::kString},      {"description", ColumnType::kString},
      {"follower_count", ColumnType::kInt}, {"poster_name", ColumnType::kString},
      {"tag_list", ColumnType::kString},   {"is_image_or_video", ColumnType::kString},
      {"image_src", ColumnType::kString},  {"save_location", ColumnType::kString},
      {"category", ColumnType::kString},
  };
  return kSchema;
}

std::span<const ColumnSpec> CleanGeoTable::Schema() {
  static constexpr ColumnSpec kSchema[] = {
      {"ind", ColumnType::kLong},
      {"country", ColumnType::kString},
      {"coordinates", ColumnType::kDoubleArray},
      {"timestamp", ColumnType::kTimestamp},
  };
  return kSchema;
}

std::span<const ColumnSpec> CleanUserTable::Schema() {
  static constexpr ColumnSpec kSchema[] = {
      {"ind", ColumnType::kLong},
      {"user_name", ColumnType::kString},
      {"age", ColumnType::kInt},
      {"date_joined", ColumnType::kTimestamp},
  };
  return kSchema;
}

}  // namespace pinpipe::pinterest
