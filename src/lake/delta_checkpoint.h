// Classic (V1) checkpoints (PROTOCOL.md "Checkpoints", "Checkpoint Schema"): a Parquet file with
// one row per action of the reconciled state and one top-level struct column per action type
// (txn, add, remove, metaData, protocol), plus the _last_checkpoint hint beside it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "lake/delta_actions.h"
#include "lake/delta_snapshot.h"
#include "lake/delta_storage.h"

namespace pinpipe::lake {

// Contents of _delta_log/_last_checkpoint (PROTOCOL.md "Last Checkpoint File Schema").
struct LastCheckpoint {
  int64_t version = 0;
  int64_t size = 0;  // number of actions (rows) in the checkpoint
  std::optional<int32_t> parts;
  std::optional<int64_t> size_in_bytes;
  std::optional<int64_t> num_of_add_files;
};

Result<LastCheckpoint> ParseLastCheckpoint(std::string_view json);
std::string SerializeLastCheckpoint(const LastCheckpoint& lc);

// The actions stored in a checkpoint, reading every part in order.
Result<std::vector<Action>> ReadCheckpoint(TableStorage& storage,
                                           const std::vector<std::string>& part_keys);

// Writes the single-file checkpoint of `snapshot` (protocol, metaData, txns, active files,
// tombstones), then _last_checkpoint. Returns what was written to _last_checkpoint.
Result<LastCheckpoint> WriteCheckpoint(TableStorage& storage, const Snapshot& snapshot);

}  // namespace pinpipe::lake
