// BatchSettings: what the batch tasks take from the configuration, and BatchLake, the lake
// they read and write (raw objects, manifests, Delta tables) — a local directory or s3://.
#pragma once

#include <memory>
#include <vector>
#include <optional>
#include <string>
#include <string_view>

#include "batch/data_interval.h"
#include "common/config.h"
#include "common/status.h"
#include "lake/delta_storage.h"
#include "objstore/object_store.h"
#include "pinterest/median.h"
#include "pinterest/raw_tables.h"

namespace pinpipe::batch {

inline constexpr std::string_view kDagId = "pinterest_batch";

struct BatchSettings {
  std::string lake_uri;      // lake.uri (default <data.dir>/lake)
  std::string data_dir;      // reports go to <data.dir>/reports/<date>/
  std::string pipeline_id;   // topics <id>.pin|geo|user
  std::string topics_dir;    // sink.topics_dir: raw objects under <lake>/<topics_dir>/<topic>/
  pinterest::MedianMode median = pinterest::MedianMode::kLower;
  int threads = 0;           // object reads/decodes in parallel per task; 0 = cores
  uint64_t clean_chunk_bytes = 24ull << 20;  // dag.clean_chunk_bytes: raw bytes per clean part file
  bool quiet = false;        // no progress bars, no terminal tables (tests)
  std::optional<Config> config;  // for S3 settings; unset = local lakes only
  bool lake_configured = false;  // lake.uri set: a missing lake directory is an error, not "no input"
  bool skip_on_no_input = false; // dag.on_no_input=skip: a run without input ends "skipped"
  int64_t sink_wait_ms = 0;      // dag.sink_wait_s: load waits for the sink (sink_sensor.h); 0 = no
  // dag.data_selection (data_interval.h). With kInterval the clean tables are partitioned by
  // the date column `ds` and a run replaces only its own date's partition.
  DataSelection data_selection = DataSelection::kAll;
  sink::TimeZone zone = sink::TimeZone::Utc();              // sink.timezone: the days
  int64_t analytics_window_days = 0;  // dag.analytics_window_days (interval only): 0 = every date
  std::shared_ptr<const sink::TimeBasedPartitioner> layout;  // the sink's time-based layout; null = default

  std::string Topic(pinterest::RawKind kind) const;
};

Result<BatchSettings> BatchSettingsFromConfig(const Config& cfg);

// The lake of one task run.
class BatchLake {
 public:
  static Result<std::unique_ptr<BatchLake>> Open(const BatchSettings& settings);

  objstore::ObjectStore& store() { return *store_; }
  // The local directory of the lake, nullopt for s3://.
  const std::optional<std::string>& local_root() const { return local_root_; }
  // A Delta table at `rel` ("delta/pin") — a local directory storage for a local lake (the
  // Parquet writer streams to the file), the object store otherwise.
  std::unique_ptr<lake::TableStorage> Table(std::string_view rel);
  // Where the table lives, for messages and `pinpipe lake show`.
  std::string Location(std::string_view rel) const;

 private:
  std::string uri_;
  std::optional<std::string> local_root_;
  std::unique_ptr<objstore::ObjectStore> store_;
};

}  // namespace pinpipe::batch
