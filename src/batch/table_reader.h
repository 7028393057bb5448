// Reads the clean Delta tables back into clean tables for the analytics: the latest snapshot's
// active files (local files directly, remote ones through Get), each row group with only the
// columns the analytics use (projection), decoded into the typed columns. The columns not
// read stay empty (analytics.h documents which ones RunAnalytics needs).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "lake/delta_actions.h"
#include "lake/delta_storage.h"
#include "lake/parquet_column_data.h"
#include "pinterest/clean_tables.h"

namespace pinpipe::batch {

// Only the files of the date partitions ds in [first, last] (ISO dates compare as strings);
// a file without a ds partition value is outside every range.
struct DateRange {
  std::string first, last;
};

struct ReadStats {
  int64_t version = -1;
  size_t files = 0;
  size_t rows = 0;
};

// Which data files are read: the active files of the snapshot at `version` (the latest when
// unset), or exactly `files` (a follower of the table's commits: src/live).
struct FileSelection {
  std::optional<int64_t> version;
  const std::vector<lake::AddFile>* files = nullptr;
};

// With `fingerprints`, every column of the clean table is read too and one RowFingerprint per
// row is appended to it, in row order (the live view's overlap test, live/README.md).
// pin: ind, follower_count, poster_name, category.
Result<pinterest::CleanPinTable> ReadPinForAnalytics(lake::TableStorage& storage, ReadStats* stats = nullptr,
                                                    const DateRange* dates = nullptr,
                                                    const FileSelection& select = {},
                                                    std::vector<uint64_t>* fingerprints = nullptr);
// geo: ind, country, timestamp.
Result<pinterest::CleanGeoTable> ReadGeoForAnalytics(lake::TableStorage& storage, ReadStats* stats = nullptr,
                                                    const DateRange* dates = nullptr,
                                                    const FileSelection& select = {},
                                                    std::vector<uint64_t>* fingerprints = nullptr);
// user: ind, user_name, age, date_joined.
Result<pinterest::CleanUserTable> ReadUserForAnalytics(lake::TableStorage& storage, ReadStats* stats = nullptr,
                                                    const DateRange* dates = nullptr,
                                                    const FileSelection& select = {},
                                                    std::vector<uint64_t>* fingerprints = nullptr);

// A 64-bit fingerprint of each row of `batch` over the columns named `schema` (in that order;
// every one must be in the batch): equal iff the rows are equal value for value (nulls by
// level), up to a ~2^-64 collision chance per pair. Appended to *out.
Status AppendRowFingerprints(const lake::ColumnBatch& batch, std::span<const pinterest::ColumnSpec> schema,
                             std::vector<uint64_t>* out);

}  // namespace pinpipe::batch
