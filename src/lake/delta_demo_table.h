// A deterministic Delta table for tests and `pinpipe lake write-demo-table`: the pin schema plus
// a double and a boolean column, N appends (checkpoints every 10 versions) and a final overwrite,
// with nulls, empty lists, null list elements, non-ASCII and long strings, extreme integers,
// NaN/-0.0 and pre-1970 timestamps. Returns the rows each version range should show.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "lake/delta_schema.h"

namespace pinpipe::lake {

struct DemoTable {
  int64_t version = -1;                    // the final version (the overwrite)
  int64_t last_append_version = -1;        // the version before the overwrite
  std::vector<std::string> appended_rows;  // rows at last_append_version, as JSON objects
  std::vector<std::string> final_rows;     // rows at `version`
};

DeltaSchema DemoTableSchema();

Result<DemoTable> WriteDemoTable(const std::string& dir, int appends = 25, int rows_per_file = 40);

}  // namespace pinpipe::lake
