// Backfill: one DAG run per logical date in [from, to], oldest first. Dates that already have a
// successful run are skipped unless `rerun`; a failed date does not stop the others.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "orchestrator/dag_runner.h"

namespace pinpipe::orchestrator {

struct BackfillOptions {
  std::string from, to;  // YYYY-MM-DD, inclusive
  bool rerun = false;
  int parallelism = 4;
  RunObserver* observer = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  // Called before each date: skipped = it already succeeded.
  std::function<void(const std::string& date, bool skipped)> on_date;
};

struct BackfillResult {
  std::vector<std::string> skipped_dates;
  std::vector<DagRunResult> runs;
  bool ok() const;
};

inline constexpr int kMaxBackfillDays = 3660;

Result<BackfillResult> Backfill(const DagDefinition& dag, const BackfillOptions& options,
                                RunHistory& history);

}  // namespace pinpipe::orchestrator
