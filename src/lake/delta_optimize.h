// OPTIMIZE (bin-packing compaction) of a Delta table: small data files are rewritten into
// larger ones and swapped in ONE commit of remove + add actions with dataChange=false, the way
// Delta's OptimizeTableCommand does (streaming.md §2.4-2.5). dataChange=false commits cannot
// conflict with blind appends (a streaming writer keeps appending while it runs) and Delta
// streaming readers skip them, so no row is seen twice. Files are packed in path order and the
// new file takes the first one's "part-NNNNN-" prefix, so readers that list files by path keep
// the rows' order. A partitioned table (the batch's `ds`-partitioned clean tables) is compacted
// partition by partition: a new file holds the files of one partition only, lies in that
// partition's directory and keeps its partitionValues. Files with deletion vectors are left
// alone. Works on any TableStorage (a local directory or an S3 prefix).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "common/status.h"
#include "lake/delta_table.h"

namespace pinpipe::lake {

struct OptimizeOptions {
  int64_t target_file_bytes = 128ll << 20;  // a file at least half this size is left alone
  size_t min_files = 2;                     // fewer small files than this: nothing to do
  // Row groups of the new files, at most this many encoded bytes and rows. They bound the
  // memory of a compaction (the group it buffers, and the next compaction decoding the file
  // one group at a time) whatever the file's size: a stream table's compacted file is read
  // and rewritten by every compaction until it passes half the target, and with 64 MiB
  // groups the server's RSS climbed with it (stream/README.md). 122,880 rows is DuckDB's
  // default row group; Spark's 128 MiB would cost that much resident memory beside the stream.
  size_t row_group_bytes = 8u << 20;
  size_t row_group_rows = 122'880;  // and rows: repeated values encode small, decode large
  // Test seam: runs after the new files are written, before the commit (a concurrent writer
  // committing here is what the conflict rules are for).
  std::function<void()> before_commit;
};

struct OptimizeResult {
  int64_t version = -1;  // the OPTIMIZE commit; -1 = nothing done
  int64_t files_removed = 0, files_added = 0;
  int64_t bytes_removed = 0, bytes_added = 0;
  int64_t rows = 0;
  std::optional<int64_t> checkpoint;  // a checkpoint written after the commit
};

// kUnavailable when a concurrent commit removed one of the files being compacted (or changed
// the metadata): nothing was committed; retry later.
Result<OptimizeResult> Optimize(DeltaTable& table, const OptimizeOptions& options = {});

}  // namespace pinpipe::lake
