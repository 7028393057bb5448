// Reads the clean Delta tables back into clean tables for the analytics: the latest snapshot's
// active files (local files directly, remote ones through Get), each row group with only the
// columns the analytics use (projection), decoded into the typed columns. The columns not
// read stay empty (analytics.h documents which ones RunAnalytics needs).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "lake/delta_actions.h"
#include "lake/delta_storage.h"
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

// pin: ind, follower_count, poster_name, category.
Result<pinterest::CleanPinTable> ReadPinForAnalytics(lake::TableStorage& storage, ReadStats* stats = nullptr,
                                                    const DateRange* dates = nullptr,
                                                    const FileSelection& select = {});
// geo: ind, country, timestamp.
Result<pinterest::CleanGeoTable> ReadGeoForAnalytics(lake::TableStorage& storage, ReadStats* stats = nullptr,
                                                    const DateRange* dates = nullptr,
                                                    const FileSelection& select = {});
// user: ind, user_name, age, date_joined.
Result<pinterest::CleanUserTable> ReadUserForAnalytics(lake::TableStorage& storage, ReadStats* stats = nullptr,
                                                    const DateRange* dates = nullptr,
                                                    const FileSelection& select = {});

}  // namespace pinpipe::batch
