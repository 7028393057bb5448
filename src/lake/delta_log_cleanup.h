// Log cleanup by retention (PROTOCOL.md "Metadata Cleanup"; Spark's MetadataCleanup, run after
// each checkpoint it writes): commits and checkpoints in _delta_log/ older than
// delta.logRetentionDuration (default "interval 30 days") that precede a checkpoint are
// deleted, so a stream's log does not grow forever (a 1 s trigger writes 86,400 commits a day).
//
// The rule, as the protocol states it: take the cut-off time (now - retention; Spark truncates it
// to the start of the UTC day, so files may outlive the retention by up to a day), the newest
// commit whose timestamp is at or before it (timestamps made monotonic in version order, as
// Spark does: a commit is never older than the one before it), and the newest complete
// checkpoint C at or before that commit; then delete every commit, checkpoint and checksum file
// with a version below C, oldest first. Nothing at or after C is touched: C's checkpoint and the
// commits after it reconstruct every retained version, so readers of the newest checkpoint
// onwards (and time travel to any version >= C) never miss a file. Without such a checkpoint
// nothing is deleted. delta.enableExpiredLogCleanup = false turns it off.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "lake/delta_actions.h"
#include "lake/delta_storage.h"

namespace pinpipe::lake {

inline constexpr std::chrono::hours kDefaultLogRetention{24 * 30};

struct LogCleanupResult {
  int64_t oldest_checkpoint = -1;    // C: the oldest state kept (-1: nothing could be deleted)
  std::vector<std::string> deleted;  // table-relative keys, oldest first
};

// `metadata` is the table's latest metaData (its configuration holds the properties); `now_ms`
// is wall-clock epoch milliseconds (common/clock.h: Clock::WallMs, a ManualClock in tests).
Result<LogCleanupResult> CleanupExpiredLogs(TableStorage& storage, const Metadata& metadata,
                                            int64_t now_ms);

// delta.logRetentionDuration in ms (the default when absent or unparsable).
std::chrono::milliseconds LogRetention(const Metadata& metadata);
// delta.enableExpiredLogCleanup (default true).
bool ExpiredLogCleanupEnabled(const Metadata& metadata);

}  // namespace pinpipe::lake
