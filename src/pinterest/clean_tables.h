// The cleaned tables (domain.md §2) as typed columns, in the Delta tables' column order.
// geo's `coordinates array<double>` is held as two element columns: the array is never null
// and always [latitude, longitude]; an element is null when the raw value was.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "pinterest/columns.h"

namespace pinpipe::pinterest {

// Logical column types of the clean and result tables (Delta/Spark names).
enum class ColumnType : uint8_t { kLong, kInt, kString, kDouble, kTimestamp, kDoubleArray };
std::string_view ColumnTypeName(ColumnType type);  // "long", "integer", "string", ...

struct ColumnSpec {
  std::string_view name;
  ColumnType type;
};

struct CleanPinTable {
  std::vector<int64_t> ind;
  StringColumn unique_id, title, description;
  Int32Column follower_count;
  StringColumn poster_name, tag_list, is_image_or_video, image_src, save_location, category;

  size_t size() const { return ind.size(); }
  // ind long, unique_id string, title string, description string, follower_count integer,
  // poster_name string, tag_list string, is_image_or_video string, image_src string,
  // save_location string, category string
  static std::span<const ColumnSpec> Schema();
};

struct CleanGeoTable {
  std::vector<int64_t> ind;
  StringColumn country;
  DoubleColumn latitude, longitude;  // coordinates[0], coordinates[1]
  TimestampColumn timestamp;

  size_t size() const { return ind.size(); }
  // ind long, country string, coordinates array<double>, timestamp timestamp
  static std::span<const ColumnSpec> Schema();
};

struct CleanUserTable {
  std::vector<int64_t> ind;
  StringColumn user_name;
  Int32Column age;
  TimestampColumn date_joined;

  size_t size() const { return ind.size(); }
  // ind long, user_name string, age integer, date_joined timestamp
  static std::span<const ColumnSpec> Schema();
};

}  // namespace pinpipe::pinterest
