// The TABLE argument of the `pinpipe lake` commands: a Delta table directory, or a table of the
// configured lake by name (`pin`, `delta/pin`, `analytics/top_country`, `pinterest_pin_table`),
// local or s3:// (lake.uri with the s3.* keys). Shared by show/schema/history/files, optimize
// and vacuum, so every command reaches every table the pipeline writes.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "lake/delta_storage.h"
#include "objstore/object_store.h"

namespace pinpipe::cli {

struct CliContext;

struct OpenedLakeTable {
  std::unique_ptr<objstore::ObjectStore> store;  // s3:// lakes; outlives `storage`'s use
  std::unique_ptr<lake::TableStorage> storage;
};

// A directory holding a Delta log, or an absolute/./-relative path, is taken as given; anything
// else names a table of the configured lake. Nothing is created; kNotFound for a local lake
// without that table.
Result<OpenedLakeTable> OpenLakeTable(const std::string& arg, const CliContext& ctx);

}  // namespace pinpipe::cli
