// LiveFollower: keeps a LiveView current, on its own thread (never a reactor).
//
// The live view = analytics over  B ∪ (S \ B)  where
//   B = the clean rows the last successful `analyze` read: delta/pin|geo|user at exactly the
//       versions (and ds window) in <lake>/delta/analytics/_boundary.json
//       (batch/analytics_boundary.h), and
//   S = every row of the streaming tables <id>_pin_table, <id>_geo_table, <id>_user_table up to
//       the versions the snapshot names.
// The union counts a row once: a streaming row equal, column for column, to a row of B is
// B's already (posted on both paths, or read by both when stream.source=rest) and is skipped;
// B's rows are fingerprinted (8 bytes per row, sorted) when the boundary moves (README.md).
//
// Each poll (live.poll_ms): if the boundary object changed, a new LiveAnalytics is built from
// B and S at their current versions while the old snapshot keeps serving, then swapped in one
// publish (the boundary moves atomically); otherwise the commits after each streaming table's
// followed version are read one by one and their data-changing `add`s fed in (compactions,
// dataChange=false, hold rows already seen and are skipped). A data-changing `remove` (someone
// deleted rows) rebuilds, and so does a join store error (the state missed rows). Errors keep
// the last snapshot and are retried at the next poll.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <vector>
#include <string>
#include <thread>

#include "batch/analytics_boundary.h"
#include "batch/batch_settings.h"
#include "common/mutex.h"
#include "live/live_analytics.h"
#include "live/live_view.h"

namespace pinpipe::live {

struct LiveSettings {
  std::array<std::string, 3> stream_tables;  // lake-relative, by RawKind (stream.table_prefix)
  pinterest::MedianMode median = pinterest::MedianMode::kLower;
  int64_t poll_ms = 100;
  // Where the join rows go (JoinStore: unlinked files, rebuilt at every start) and the page
  // cache each state keeps in memory; `serve` uses <data.dir>/state/live.
  JoinStoreOptions join_store;
};

class LiveFollower {
 public:
  LiveFollower(batch::BatchLake* lake, LiveSettings settings, LiveView* view);
  ~LiveFollower();  // Stop()

  void Start();
  void Stop();
  // One poll on the caller's thread (tests, `analytics show` offline): rebuild or follow, then
  // publish when anything changed (always on the first call).
  Status PollOnce();

 private:
  Status Rebuild(const std::optional<batch::AnalyticsBoundary>& boundary);
  // Feeds table k's commits after versions_[k]; *rebuild when a commit removed rows.
  Status Follow(size_t k, LiveAnalytics* state, int64_t* version, bool* changed, bool* rebuild);
  Status AddStreamTable(size_t k, LiveAnalytics* state, const std::vector<uint64_t>& in_batch, int64_t* version,
                        size_t* skipped);
  void Publish();
  void Loop();

  batch::BatchLake* lake_;
  LiveSettings settings_;
  LiveView* view_;

  // The follower thread's own state.
  std::unique_ptr<LiveAnalytics> state_;
  std::optional<batch::AnalyticsBoundary> boundary_;
  bool built_ = false;
  std::array<int64_t, 3> versions_{-1, -1, -1};
  // B's row fingerprints per table (batch::AppendRowFingerprints), sorted: 8 bytes per row.
  // Built with the state at each rebuild, so they move with the boundary.
  std::array<std::vector<uint64_t>, 3> batch_rows_;
  std::array<size_t, 3> stream_in_batch_{};  // streaming rows skipped: B holds them
  LiveCounts batch_counts_;
  std::vector<pinterest::ResultTable> batch_results_;
  uint64_t generation_ = 0;
  std::string last_error_;

  std::thread thread_;
  Mutex mu_;
  CondVar cv_;
  bool stop_ GUARDED_BY(mu_) = false;
};

}  // namespace pinpipe::live
