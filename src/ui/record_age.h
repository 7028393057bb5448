// How far behind a reader is in time: the age of the oldest record it has not consumed yet
// (now − the timestamp of the record at its committed offset), 0 when it is caught up.
// Computed when a document or a sampling pass asks (one small log read per partition that is
// behind), never on the produce or consume path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "log/log_manager.h"

namespace pinpipe::ui {

// The timestamp (ms) of the first record at or after `offset`; nullopt when there is none
// below the high watermark (caught up, or the range is unreadable).
std::optional<int64_t> RecordTimeAt(const log::LogManager& log, const std::string& topic, int32_t partition,
                                    int64_t offset);

// Lag in time of a reader whose next offset is `committed`: 0 when committed >= the high
// watermark, else now_ms − the timestamp of that record (at least 0); nullopt when the
// record cannot be read.
std::optional<int64_t> LagMs(const log::LogManager& log, const std::string& topic, int32_t partition,
                             int64_t committed, int64_t now_ms);

}  // namespace pinpipe::ui
