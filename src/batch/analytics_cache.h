// The analytics' columns of the clean part files this process has just written, kept in memory
// for `analyze`: in `pinpipe dag run` (and the scheduler) clean_* and analyze run in one
// process, and re-reading and decompressing the Parquet files only to get back columns that
// were in memory a moment earlier costs analyze's serial start. The tables are still written
// whole for every other reader.
//
// Keyed by the table's storage root and the data file's path in it. A data file never changes
// once written (Delta; a new UUID per file), so an entry is exact for as long as a snapshot
// lists that path; a snapshot that no longer lists it never asks for it. Readers take an entry
// (it is freed at once); a clean task forgets its table's old entries before writing. Bounded:
// past kMaxBytes, further parts are simply read back from the lake.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/mutex.h"
#include "pinterest/clean_tables.h"

namespace pinpipe::batch {

// Only the columns that table_reader.h's Read*ForAnalytics read (the others stay empty), with
// exactly the representation they give: a null numeric value is 0.
using AnalyticsColumns =
    std::variant<pinterest::CleanPinTable, pinterest::CleanGeoTable, pinterest::CleanUserTable>;

// Moves the analytics' columns out of a clean table (its other columns are left as they are).
pinterest::CleanPinTable TakeAnalyticsColumns(pinterest::CleanPinTable& t);
pinterest::CleanGeoTable TakeAnalyticsColumns(pinterest::CleanGeoTable& t);
pinterest::CleanUserTable TakeAnalyticsColumns(pinterest::CleanUserTable& t);

class AnalyticsCache {
 public:
  static constexpr size_t kMaxBytes = 512u << 20;

  static AnalyticsCache& Process();  // the process's one cache

  // Drops every entry of the table at `root` (a clean task starts overwriting it).
  void ForgetTable(std::string_view root);
  // Keeps the columns of data file `path` of the table at `root` (dropped when over budget).
  void Keep(std::string_view root, std::string_view path, AnalyticsColumns columns);
  // Removes and returns the entry, if any.
  std::optional<AnalyticsColumns> Take(std::string_view root, std::string_view path);
  size_t bytes() const;

 private:
  struct Entry {
    AnalyticsColumns columns;
    size_t bytes;
  };
  mutable Mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_ GUARDED_BY(mu_);  // root + '\0' + path
  size_t bytes_ GUARDED_BY(mu_) = 0;
};

}  // namespace pinpipe::batch
