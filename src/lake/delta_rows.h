// Reading a snapshot's rows: the active files in path order, each file's columns matched to the
// table schema by name — or, with column mapping, by physical name / field id, at every nesting
// level (PROTOCOL.md "Data Files": missing columns read as null) —, partition columns filled
// from add.partitionValues, rows in a file's deletion vector dropped. Rows are visited through
// a RowView that renders each cell as JSON or as text, so `lake show` and tests need no row
// objects; nested values (arrays, structs, maps) render as JSON in both modes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "lake/delta_snapshot.h"
#include "lake/delta_storage.h"

namespace pinpipe::lake {

class RowView {
 public:
  virtual ~RowView() = default;
  virtual size_t num_columns() const = 0;
  virtual bool IsNull(size_t col) const = 0;
  // The cell as a JSON value (parquet_value_format.h): numbers, exact decimals, strings,
  // booleans, binary as base64, arrays, objects for structs and maps; timestamps as
  // "YYYY-MM-DDTHH:MM:SS.ffffffZ" ("Z" only for timestamp, not timestamp_ntz), dates as
  // "YYYY-MM-DD", NaN/±Infinity as strings.
  virtual void AppendJson(size_t col, std::string* out) const = 0;
  // The cell as text: like JSON, but strings without quotes and null as "".
  virtual void AppendText(size_t col, std::string* out) const = 0;
};

// Calls `fn` for each row (at most `limit` rows when limit > 0); `fn` returns false to stop.
// Columns are the table schema's top-level fields in order. Errors: a data file or deletion
// vector that is missing or corrupt, or a file column whose shape differs from the table type
// (kUnsupported).
Status ForEachRow(TableStorage& storage, const Snapshot& snapshot, int64_t limit,
                  const std::function<bool(const RowView&)>& fn);

// Percent-decodes an add.path (an RFC 2396 URI relative to the table root).
std::string DecodeDataPath(std::string_view uri_path);

// Microseconds since the epoch as "YYYY-MM-DDTHH:MM:SS.ffffffZ".
std::string FormatTimestampMicrosUtc(int64_t micros);

}  // namespace pinpipe::lake
