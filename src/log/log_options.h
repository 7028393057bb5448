// Options of the durable log. Every field has the default `pinpipe serve` uses.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace pinpipe {
class FileSystem;
}

namespace pinpipe::log {

// When appended data is fsynced, and when an append is acknowledged:
//  kAlways   - group commit: a flusher thread fdatasyncs every partition with pending appends,
//              then fires their callbacks (acknowledged = durable, survives power loss).
//              Readers see only durable data.
//  kInterval - fsync every `interval_ms`; appends are acknowledged once written to the OS.
//  kOs       - never fsync (the OS writes back); acknowledged once written to the OS.
struct FlushPolicy {
  enum class Mode { kAlways, kInterval, kOs };
  Mode mode = Mode::kAlways;
  int64_t interval_ms = 0;

  // Parses "always" | "interval:<ms>" | "os".
  static Result<FlushPolicy> Parse(std::string_view text);
  std::string ToString() const;
};

struct LogOptions {
  std::string dir;  // the data dir; the log lives in <dir>/log, offsets in <dir>/state
  int32_t default_partitions = 1;
  bool auto_create = true;  // Append/AppendBatch to an unknown topic creates it
  uint64_t segment_bytes = 128ull << 20;
  uint64_t index_interval_bytes = 4096;
  int64_t retention_bytes = -1;  // per partition; -1 = unlimited
  int64_t retention_ms = 7 * 24 * 3600 * 1000ll;  // -1 = unlimited
  int64_t retention_check_interval_ms = 30'000;  // 0 = no background thread (call EnforceRetention)
  size_t max_batch_bytes = 8u << 20;  // larger appends are rejected (kInvalidArgument)
  FlushPolicy flush;
  // flush=always: write segments with O_DIRECT into zero-filled space (DirectAppender), so a
  // commit is one device write plus a cache flush. Falls back to buffered writes where the
  // file system has no direct I/O.
  bool direct_io = true;
  // The lane records how far the active segment is durable (RecoveryPoint) this often, so a
  // restart after a crash validates only what came after; -1 = never (validate it all).
  int64_t recovery_point_interval_ms = 1000;
  FileSystem* fs = nullptr;  // null = FileSystem::Default()
  // Wall clock for record timestamps (appends without one) and age retention; tests pass a
  // ManualClock (common/clock.h).
  const Clock* clock = &Clock::System();
};

}  // namespace pinpipe::log
