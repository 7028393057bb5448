// RecoveryPoint: how far the active segment of a partition is known to be durable and valid,
// so that start-up after a crash validates only the bytes after it instead of the whole
// segment (up to segment_bytes, 1 GiB by default). Kafka keeps the same idea per log
// directory in recovery-point-offset-checkpoint (LogManager.checkpointRecoveryOffsets).
//
// The flusher lane writes it after an fdatasync has made everything before `position`
// durable, at most once a second or per 16 MiB, to <partition dir>/recovery-point: one line
// with its own CRC-32C, written to a temporary name, fsynced and renamed (the directory is not
// synced: the previous point is as good, only older). Start-up trusts a point only if the
// batch headers from the last index entry before it end exactly at its position and next
// offset; a point that is missing, does not parse, names another segment or does not match
// means "validate the whole segment", as before. Data before the point was durable before
// the point was written, and the one block a direct write rewrites holds the same bytes
// before the old end, so a crash cannot tear what the point vouches for.
//
// Internal to src/log.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/file_system.h"
#include "common/status.h"

namespace pinpipe::log {

struct RecoveryPoint {
  int64_t segment_base = 0;    // the segment it describes (the partition's active one)
  uint64_t position = 0;       // bytes of whole, durable batches from the segment's start
  int64_t next_offset = 0;     // offset of the first record after them
  int64_t max_timestamp = -1;  // largest batch max timestamp before `position`
};

inline constexpr const char* kRecoveryPointFile = "recovery-point";

// One line of text: "pinpipe-recovery-point v1 <base> <position> <next> <max_ts> <crc32c>".
std::string EncodeRecoveryPoint(const RecoveryPoint& rp);
std::optional<RecoveryPoint> ParseRecoveryPoint(std::string_view text);

// Replaces <dir>/recovery-point (temporary file, fsync, rename).
Status WriteRecoveryPoint(FileSystem* fs, const std::string& dir, const RecoveryPoint& rp);
// The point in <dir>, or nothing when it is missing or does not parse.
std::optional<RecoveryPoint> ReadRecoveryPoint(FileSystem* fs, const std::string& dir);

}  // namespace pinpipe::log
