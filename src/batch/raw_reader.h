// Reads a manifest topic's raw objects into the raw table of its kind, streaming: each worker
// fetches one object, decodes it in place and drops its bytes before the next, so the raw
// bytes held at once are one object per worker, never the topic. Workers take contiguous
// ranges of the (sorted) object list and their tables are concatenated in range order, so
// the rows come out in manifest order whatever the thread count — the clean tables of a
// rerun are identical.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "batch/manifest.h"
#include "common/status.h"
#include "objstore/object_store.h"
#include "pinterest/raw_decode.h"

namespace pinpipe::batch {

struct RawReadOptions {
  int threads = 0;  // 0 = hardware concurrency (at most the object count)
  // Called with (bytes done, bytes total) about 10 times a second, from one thread at a time
  // (a reporter thread while reading, the calling thread at the end).
  std::function<void(uint64_t, uint64_t)> progress;
  const std::atomic<bool>* cancel = nullptr;
};

struct RawReadResult {
  pinterest::RawTables tables;  // only the table of `kind` and the quarantine are filled
  uint64_t records = 0;         // decoded + quarantined
  uint64_t bytes = 0;
};

// Reads one object into `buf` (reused across calls), decodes it into `out` and extends the
// row fingerprints. When `reserve_for_bytes` is set (the first object of that many bytes of
// input), the table's columns are then sized for all of it, so they never regrow.
Status ReadRawObject(objstore::ObjectStore& store, pinterest::RawKind kind,
                     const ManifestObject& object, uint64_t reserve_for_bytes,
                     pinterest::RawDecoder& decoder, std::string& buf, pinterest::RawTables* out);

// Errors: an object that is gone or whose size differs from the manifest (kCorruption: the
// lake changed under the run; rerun load), store errors, cancellation (kUnavailable).
Result<RawReadResult> ReadRawObjects(objstore::ObjectStore& store, pinterest::RawKind kind,
                                     const std::vector<ManifestObject>& objects,
                                     const RawReadOptions& options = {});

}  // namespace pinpipe::batch
