// Names of the files in _delta_log/ (PROTOCOL.md "Delta Log Entries", "Checkpoints",
// "Last Checkpoint File"): versions are zero-padded to 20 digits, multi-part checkpoint part
// numbers to 10.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pinpipe::lake {

inline constexpr std::string_view kLogDir = "_delta_log/";
inline constexpr std::string_view kLastCheckpointKey = "_delta_log/_last_checkpoint";

struct LogFileName {
  enum class Kind { kCommit, kCheckpoint, kMultiPartCheckpoint, kV2Checkpoint };
  Kind kind = Kind::kCommit;
  int64_t version = 0;
  int32_t part = 0;   // multi-part: 1-based part number
  int32_t parts = 0;  // multi-part: total number of parts
};

// "_delta_log/00000000000000000007.json"
std::string CommitKey(int64_t version);
// "_delta_log/00000000000000000010.checkpoint.parquet"
std::string CheckpointKey(int64_t version);
// "_delta_log/00000000000000000010.checkpoint.0000000001.0000000002.parquet"
std::string CheckpointPartKey(int64_t version, int32_t part, int32_t parts);

// Classifies a file name (without the directory); V2 checkpoints are
// "<version>.checkpoint.<uuid>.json|parquet". Anything else — .crc files, compacted logs, temp
// files — yields nullopt and is ignored by readers.
std::optional<LogFileName> ParseLogFileName(std::string_view name);

}  // namespace pinpipe::lake
