// VACUUM for a Delta table, local or in an object store (Delta's VacuumCommand semantics):
// deletes the data files under the table directory (an S3 prefix: its listed objects) that no
// version within the retention period references — neither an active file of the latest
// snapshot nor a file removed less than `retention` ago (a tombstone younger than that: time
// travel to a recent version still needs it) — and that were last modified before the
// retention period began. That includes the orphans of a writer killed between writing its
// Parquet parts and committing them: nothing references those.
//
// Never touched: _delta_log/ and every other path with a segment starting with '_' or '.'
// (Spark's hidden-file rule: _delta_log, _change_data, temporary files).
// Safety: a retention below delta.deletedFileRetentionDuration (default 168 hours, "interval 1
// week") could delete files that a concurrent reader or writer still needs; it is refused
// unless `force` (Spark's spark.databricks.delta.retentionDurationCheck.enabled = false).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "lake/delta_storage.h"

namespace pinpipe::lake {

inline constexpr std::chrono::hours kDefaultVacuumRetention{168};

struct VacuumOptions {
  std::chrono::milliseconds retention = kDefaultVacuumRetention;
  bool force = false;    // allow a retention below the table's deleted-file retention
  bool dry_run = false;  // list what would be deleted, delete nothing
  int64_t now_ms = 0;    // 0 = the system clock
};

struct VacuumResult {
  int64_t version = -1;                // the snapshot vacuumed against
  std::vector<std::string> deleted;    // table-relative keys (or candidates in a dry run)
  int64_t bytes = 0;
  int64_t kept_recently_removed = 0;   // tombstones still within retention
};

// Errors: kNotFound without a Delta log; kInvalidArgument for a retention below the safety
// limit without `force`.
Result<VacuumResult> Vacuum(TableStorage& storage, const VacuumOptions& options);

// A Delta interval property ("interval 1 week", "30 days", "interval 36 hours": Spark's
// CalendarInterval text with one unit, the "interval" keyword optional) in ms; nullopt when it
// does not parse.
std::optional<std::chrono::milliseconds> ParseDeltaInterval(std::string_view text);

// delta.deletedFileRetentionDuration ("interval 1 week", "interval 36 hours", ...) in ms;
// the default (168 hours) when absent or unparsable.
std::chrono::milliseconds DeletedFileRetention(const std::string* property);

}  // namespace pinpipe::lake
