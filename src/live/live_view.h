// LiveView: the serving side of the live analytics. The follower (live_follower.h) publishes
// an immutable LiveSnapshot — the nine tables already rendered as JSON — and readers (HTTP
// handlers on the reactors, the CLI) take a shared_ptr to the current one under a mutex held
// only for the pointer copy: a reader never waits for an update, an update never waits for a
// reader, and no request computes anything but a string copy.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "batch/analytics_boundary.h"
#include "common/mutex.h"
#include "http/router.h"
#include "live/live_analytics.h"
#include "pinterest/median.h"
#include "pinterest/result_table.h"

namespace pinpipe::live {

struct LiveSnapshot {
  uint64_t generation = 0;  // +1 per publish
  int64_t updated_ms = 0;
  pinterest::MedianMode median = pinterest::MedianMode::kLower;
  // The batch half: the last successful analyze's inputs (none before the first run).
  std::optional<batch::AnalyticsBoundary> boundary;
  // The stream half: every row of each streaming table up to this version (-1 = none).
  std::array<int64_t, 3> stream_versions{-1, -1, -1};
  LiveCounts batch_counts, counts;  // rows at the boundary; rows in the live view
  // Streaming rows not counted because B holds an equal row (pin, geo, user).
  std::array<size_t, 3> stream_in_batch{};
  // The live state's join store (join_store.h): rows, bytes on disk, cache, page reads/writes.
  struct JoinStoreStats {
    uint64_t rows = 0, disk_bytes = 0, cache_bytes = 0, page_reads = 0, page_writes = 0;
  } join_store;
  std::vector<pinterest::ResultTable> live, batch;  // 9 each, AnalyticsTableNames() order
  std::vector<std::string> live_json, batch_json;   // the same, rendered (TableJson)
  std::string last_error;                           // the follower's, while it fails
};

// {"table", "view", "median", "columns": [{name, type}], "rows": [{column: value}],
//  "boundary": {...} | null, "stream_versions": {pin, geo, user}, "rows_in": {...},
//  "stream_rows_in_batch": {pin, geo, user},
//  "join_store": {rows, disk_bytes, cache_bytes, page_reads, page_writes},
//  "generation", "updated_ms"} — column names as the analytics tables'.
std::string TableJson(const LiveSnapshot& s, size_t index, bool batch_view);
// The table back from TableJson's text (the CLI prints it).
Result<pinterest::ResultTable> TableFromJson(std::string_view json);

class LiveView {
 public:
  std::shared_ptr<const LiveSnapshot> Current() const {
    MutexLock lock(mu_);
    return current_;
  }
  void Publish(std::shared_ptr<const LiveSnapshot> s) {
    MutexLock lock(mu_);
    current_ = std::move(s);
  }

 private:
  mutable Mutex mu_;
  std::shared_ptr<const LiveSnapshot> current_ GUARDED_BY(mu_);
};

// GET /analytics (names, boundary) and GET /analytics/{name}[?view=batch] on `router`, each
// handler wrapped by `guard` (the gateway's limits). 503 until the first snapshot.
void RegisterLiveRoutes(http::Router& router, const LiveView& view,
                        const std::function<http::Handler(http::Handler)>& guard);

}  // namespace pinpipe::live
