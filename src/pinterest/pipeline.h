// Decode + clean of the three raw tables in one call, the three tables in parallel (pin
// on one thread — it is ~3/4 of the bytes — geo and user on another). Used by the hidden
// `pinpipe analytics run` command and the benchmarks; the batch tasks may call the pieces
// (RawDecoder, Clean*) directly, one table per task.
#pragma once

#include <string_view>
#include <vector>

#include "pinterest/clean.h"
#include "pinterest/clean_tables.h"
#include "pinterest/quarantine.h"

namespace pinpipe::pinterest {

struct RawInputs {
  std::vector<std::string_view> pin, geo, user;  // NDJSON buffers (whole lake objects)
};

struct CleanOutput {
  CleanPinTable pin;
  CleanGeoTable geo;
  CleanUserTable user;
  QuarantineTable quarantine;
  CleanStats pin_stats, geo_stats, user_stats;
  size_t records = 0;  // raw records seen (decoded + quarantined)
};

CleanOutput DecodeAndCleanAll(const RawInputs& inputs, bool parallel = true);

}  // namespace pinpipe::pinterest
