// The clean pipeline of clean_pin | clean_geo | clean_user: a topic's manifest objects are split
// into chunks (contiguous object ranges, in manifest order). Worker threads decode chunks in
// parallel; chunks are deduplicated strictly in order against one fingerprint set (so the
// first occurrence in manifest order is kept, exactly as over the whole input); each
// deduplicated chunk is cleaned and written as its own Parquet part file while later chunks
// are still being decoded; one Delta overwrite commit then publishes all parts.
//
// Why: decoding, cleaning and Parquet encoding overlap on every core instead of running as
// three phases with idle cores between them, the raw table is never concatenated, and only
// the chunks in flight are held in memory.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "batch/manifest.h"
#include "batch/table_writer.h"
#include "common/status.h"
#include "lake/delta_storage.h"
#include "objstore/object_store.h"
#include "pinterest/clean.h"
#include "pinterest/quarantine.h"

namespace pinpipe::batch {

struct CleanPipelineOptions {
  int threads = 0;  // 0 = hardware concurrency
  // Bytes of raw objects per chunk (one part file each); at least one object per chunk.
  uint64_t chunk_bytes = 24ull << 20;
  // (bytes decoded, bytes total), from worker threads, serialised by the pipeline.
  std::function<void(uint64_t, uint64_t)> progress;
  const std::atomic<bool>* cancel = nullptr;
  // The commit: date partition and userMetadata (table_writer.h); null = whole table, none.
  const TableCommit* commit = nullptr;
};

struct CleanPipelineResult {
  WrittenTable table;
  pinterest::CleanStats stats;
  pinterest::QuarantineTable quarantine;  // in manifest order
  uint64_t records = 0;                   // decoded + quarantined
  int parts = 0;
  // Thread time spent per stage (summed over workers).
  double decode_seconds = 0, clean_seconds = 0, write_seconds = 0;
};

Result<CleanPipelineResult> RunCleanPipeline(objstore::ObjectStore& store, pinterest::RawKind kind,
                                             const std::vector<ManifestObject>& objects,
                                             std::unique_ptr<lake::TableStorage> table,
                                             const CleanPipelineOptions& options = {});

}  // namespace pinpipe::batch
