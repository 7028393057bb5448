// The Parquet schema of a V1 checkpoint (PROTOCOL.md "Checkpoint Schema"; lake.md §1.10) and a
// by-name index of its leaf columns, shared by the checkpoint writer and reader. Leaves are named
// by their logical path: struct field names, "key"/"value" for map entries and "element" for
// list elements ("add.partitionValues.key", "metaData.partitionColumns.element"), so files
// whose repeated groups are named differently still resolve.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "lake/parquet_schema.h"

namespace pinpipe::lake {

// txn, add, remove, metaData, protocol as optional structs; every field optional except map keys.
Schema CheckpointParquetSchema();

class CheckpointLeaves {
 public:
  explicit CheckpointLeaves(const Schema& schema);
  // Leaf index of a logical path, or -1 when the file lacks that column.
  int Find(std::string_view path) const;

 private:
  std::map<std::string, int, std::less<>> index_;
};

}  // namespace pinpipe::lake
