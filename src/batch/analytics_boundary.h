// What the last successful `analyze` read: the versions of the clean tables delta/pin|geo|user
// (and the ds window, with dag.analytics_window_days), written after its nine tables, as one
// object <lake>/delta/analytics/_boundary.json. It is the batch half of the live view's exact
// boundary (src/live): the live view = analytics over the clean rows at exactly these versions
// + every streaming-table row. The same versions are in the analytics tables' commitInfo
// userMetadata ("input_versions"), for `pinpipe lake history`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "batch/table_reader.h"
#include "common/status.h"
#include "objstore/object_store.h"

namespace pinpipe::batch {

inline constexpr std::string_view kAnalyticsBoundaryKey = "delta/analytics/_boundary.json";

struct AnalyticsBoundary {
  std::string dag_id, run_id, logical_date;
  int64_t finished_ms = 0;
  int64_t pin_version = -1, geo_version = -1, user_version = -1;
  std::optional<DateRange> window;  // only these ds partitions were read

  friend bool operator==(const AnalyticsBoundary& a, const AnalyticsBoundary& b) {
    auto w = [](const std::optional<DateRange>& d) {
      return d ? d->first + ".." + d->last : std::string();
    };
    return a.dag_id == b.dag_id && a.run_id == b.run_id && a.logical_date == b.logical_date &&
           a.finished_ms == b.finished_ms && a.pin_version == b.pin_version &&
           a.geo_version == b.geo_version && a.user_version == b.user_version && w(a.window) == w(b.window);
  }
};

std::string EncodeAnalyticsBoundary(const AnalyticsBoundary& b);
Result<AnalyticsBoundary> DecodeAnalyticsBoundary(std::string_view json);

// nullopt when no analyze has succeeded yet (no object).
Result<std::optional<AnalyticsBoundary>> ReadAnalyticsBoundary(objstore::ObjectStore& store);
Status WriteAnalyticsBoundary(objstore::ObjectStore& store, const AnalyticsBoundary& b);

}  // namespace pinpipe::batch
