// Reads one raw object of a manifest into the raw table of its kind: fetched into a buffer the
// caller reuses, decoded in place, fingerprinted while the rows are in cache. The clean
// pipeline (clean_pipeline.h) calls it object by object on its worker threads.
#pragma once

#include <cstdint>
#include <string>

#include "batch/manifest.h"
#include "common/status.h"
#include "objstore/object_store.h"
#include "pinterest/raw_decode.h"

namespace pinpipe::batch {

// Reads one object into `buf` (reused across calls), decodes it into `out` and extends the
// row fingerprints. When `reserve_for_bytes` is set (the first object of that many bytes of
// input), the table's columns are then sized for all of it, so they never regrow. Errors: an
// object that is gone or whose size differs from the manifest (kCorruption: the lake changed
// under the run; rerun load), store errors.
Status ReadRawObject(objstore::ObjectStore& store, pinterest::RawKind kind,
                     const ManifestObject& object, uint64_t reserve_for_bytes,
                     pinterest::RawDecoder& decoder, std::string& buf, pinterest::RawTables* out);

}  // namespace pinpipe::batch
