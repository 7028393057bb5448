// Raw lake objects for benchmarks and tests, written directly in the sink's layout
// (<topics_dir>/<id>.<t>/partition=0/<id>.<t>+0+<start offset, 10 digits>.json, one minified
// JSON record per line, flush.size records per object) without going through the broker.
// Like the emulator, an interaction posts one source row to each of the three topics; a share
// of interactions re-post a recent row (exact duplicates, as the original's random draws
// from an 11k-row table produce), the rest post the generator's next row (generator.h).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "objstore/object_store.h"

namespace pinpipe::batch {

struct RawGenOptions {
  int64_t interactions = 1'000'000;
  uint64_t seed = 42;
  int64_t records_per_object = 10'000;
  double repeat_share = 0.2;  // interactions that re-post one of the last 1024 rows
  std::string pipeline_id = "pinterest";
  std::string topics_dir = "topics";
};

struct RawGenStats {
  int64_t records = 0;  // 3 per interaction
  int64_t objects = 0;
  uint64_t bytes = 0;
};

Result<RawGenStats> GenerateRawObjects(objstore::ObjectStore& store, const RawGenOptions& options);

}  // namespace pinpipe::batch
