#include "batch/batch_settings.h"

#include <filesystem>

#include "common/file_system.h"
#include "lake/delta_storage_objstore.h"
#include "objstore/open_object_store.h"
#include "sink/sink_config.h"

namespace pinpipe::batch {

std::string BatchSettings::Topic(pinterest::RawKind kind) const {
  return pipeline_id + "." + std::string(pinterest::RawKindName(kind));
}

Result<BatchSettings> BatchSettingsFromConfig(const Config& cfg) {
  BatchSettings s;
  s.lake_uri = cfg.LakeUri();
  s.data_dir = cfg.DataDir();
  s.pipeline_id = cfg.GetString("pipeline.id");
  s.topics_dir = cfg.GetString("sink.topics_dir");
  if (s.topics_dir.empty()) s.topics_dir = "topics";
  while (!s.topics_dir.empty() && s.topics_dir.back() == '/') s.topics_dir.pop_back();
  PINPIPE_ASSIGN_OR_RETURN(s.median, pinterest::ParseMedianMode(cfg.GetString("analytics.median")));
  s.lake_configured = !cfg.GetString("lake.uri").empty();
  const std::string& on_no_input = cfg.GetString("dag.on_no_input");
  if (on_no_input != "fail" && on_no_input != "skip") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "dag.on_no_input must be fail or skip, not '" + on_no_input + "'");
  }
  s.skip_on_no_input = on_no_input == "skip";
  PINPIPE_ASSIGN_OR_RETURN(int64_t wait_s, cfg.GetInt("dag.sink_wait_s"));
  if (wait_s < 0) return MakeError(ErrorCode::kInvalidArgument, "dag.sink_wait_s must be >= 0");
  s.sink_wait_ms = wait_s * 1000;
  const std::string& selection = cfg.GetString("dag.data_selection");
  if (selection != "all" && selection != "interval") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "dag.data_selection must be all or interval, not '" + selection + "'");
  }
  s.data_selection = selection == "interval" ? DataSelection::kInterval : DataSelection::kAll;
  PINPIPE_ASSIGN_OR_RETURN(s.analytics_window_days, cfg.GetInt("dag.analytics_window_days"));
  PINPIPE_ASSIGN_OR_RETURN(int64_t chunk, cfg.GetInt("dag.clean_chunk_bytes"));
  s.clean_chunk_bytes = static_cast<uint64_t>(chunk);
  if (s.data_selection == DataSelection::kInterval) {
    // The layout the sink writes, from the same sink.* keys.
    PINPIPE_ASSIGN_OR_RETURN(sink::SinkConfig sc, sink::SinkConfigFromConfig(cfg));
    if (sc.time_based()) {
      s.layout = std::make_shared<const sink::TimeBasedPartitioner>(*sc.time_based());
      s.zone = sc.time_based()->zone();
    } else {
      PINPIPE_ASSIGN_OR_RETURN(s.zone, sink::TimeZone::Load(cfg.GetString("sink.timezone")));
    }
  }
  s.config = cfg;
  return s;
}

Result<std::unique_ptr<BatchLake>> BatchLake::Open(const BatchSettings& settings) {
  auto out = std::unique_ptr<BatchLake>(new BatchLake());
  out->uri_ = settings.lake_uri;
  while (out->uri_.size() > 1 && out->uri_.back() == '/') out->uri_.pop_back();
  if (settings.config && out->uri_.starts_with("s3://")) {
    Config cfg = *settings.config;
    PINPIPE_ASSIGN_OR_RETURN(out->store_, objstore::OpenLakeStore(cfg));
  } else {
    PINPIPE_ASSIGN_OR_RETURN(out->store_, objstore::OpenObjectStore(out->uri_));
  }
  if (!out->uri_.starts_with("s3://")) {
    std::string path = out->uri_;
    if (path.starts_with("file://")) path = path.substr(7);
    out->local_root_ = path;
  }
  return out;
}

std::unique_ptr<lake::TableStorage> BatchLake::Table(std::string_view rel) {
  if (local_root_) {
    // The Parquet writer opens its file in the table directory before the first commit.
    const std::string dir = JoinPath(*local_root_, std::string(rel));
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);  // a failure surfaces when the file is opened
    return lake::NewLocalTableStorage(dir);
  }
  return lake::NewObjectStoreTableStorage(*store_, std::string(rel), Location(rel));
}

std::string BatchLake::Location(std::string_view rel) const {
  if (local_root_) return JoinPath(*local_root_, std::string(rel));
  return uri_ + "/" + std::string(rel);
}

}  // namespace pinpipe::batch
