// Knobs of the Parquet writer. Defaults follow what Spark/parquet-java and arrow write.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "lake/parquet_format.h"

namespace pinpipe::lake {

// "<app> version <x.y.z> (build <hash>)": parquet-java's VersionParser must parse it or it
// ignores BYTE_ARRAY statistics (lake.md §2.9, apache/arrow#42704).
inline constexpr const char* kCreatedBy = "pinpipe version 0.1.0 (build 0)";

struct WriterOptions {
  format::Codec codec = format::Codec::kSnappy;
  int compression_level = -1;               // codec default
  size_t data_page_size = 1 << 20;          // uncompressed bytes per data page (approx.)
  size_t dictionary_page_limit = 1 << 20;   // dictionary bytes before falling back to PLAIN
  bool dictionary = true;                   // dictionary-encode string columns
  size_t row_group_size = 64 << 20;         // buffered bytes before a row group is written
  // Rows per row group at most (0 = no limit): a reader decodes a group at once, so rows, not
  // encoded bytes, bound its memory when values repeat (dictionaries encode them to bits).
  // Above 1 thread the cap is checked at batch boundaries.
  size_t row_group_rows = 0;
  // Threads encoding and compressing columns of one file in parallel (columns are
  // independent). 1 = on the caller's thread. Above 1, row groups end at batch boundaries.
  int threads = 1;
  std::string created_by = kCreatedBy;
  std::vector<format::KeyValue> key_value_metadata;
};

}  // namespace pinpipe::lake
