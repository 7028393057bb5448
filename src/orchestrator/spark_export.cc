#include "orchestrator/spark_export.h"

#include <filesystem>

#include "common/file_system.h"
#include "common/json_writer.h"

namespace pinpipe::orchestrator {

extern const char kSparkJobPy[];  // generated from spark_job.py (CMakeLists.txt)

std::string_view SparkJobSource() { return kSparkJobPy; }

std::string RenderSparkConfig(const Config& cfg, const std::string& cwd) {
  // The job runs on another machine and in another directory: a local lake is made absolute.
  std::string lake = cfg.LakeUri();
  if (lake.starts_with("file://")) lake = lake.substr(7);
  if (!lake.starts_with("s3://") && !lake.starts_with("/")) {
    lake = (std::filesystem::path(cwd) / lake).lexically_normal().string();
  }
  std::string topics_dir = cfg.GetString("sink.topics_dir");
  if (topics_dir.empty()) topics_dir = "topics";
  JsonWriter w;
  w.BeginObject()
      .Field("comment",
             "settings of pinterest_batch_spark.py, written by `pinpipe dag export --spark`; "
             "S3 credentials come from the AWS_* variables of the Spark driver and executors")
      .Field("lake", lake)
      .Field("out", "")  // empty: <lake>/delta, where `pinpipe dag run` writes
      .Field("topics_dir", topics_dir)
      .Field("pipeline_id", cfg.GetString("pipeline.id"))
      .Field("median", cfg.GetString("analytics.median"));
  w.Key("s3").BeginObject()
      .Field("endpoint", cfg.GetString("s3.endpoint"))
      .Field("region", cfg.GetString("s3.region"))
      .Field("path_style", cfg.GetString("s3.path_style") == "true")
      .EndObject();
  w.EndObject();
  return w.Take() + "\n";
}

Status WriteSparkExport(const Config& cfg, const std::string& dir, const std::string& cwd) {
  if (cfg.GetString("dag.data_selection") != "all") {
    // The job reprocesses the whole lake; a per-date partition replace is not in it.
    return MakeError(ErrorCode::kInvalidArgument,
                     "dag export --spark: the Spark job reads the whole lake "
                     "(dag.data_selection = all), not dag.data_selection = " +
                         cfg.GetString("dag.data_selection"));
  }
  FileSystem* fs = FileSystem::Default();
  PINPIPE_RETURN_IF_ERROR(fs->MkdirAll(dir));
  const std::filesystem::path base(dir);
  PINPIPE_RETURN_IF_ERROR(
      fs->WriteFileAtomically((base / kSparkJobFile).string(), SparkJobSource()));
  return fs->WriteFileAtomically((base / kSparkConfigFile).string(), RenderSparkConfig(cfg, cwd));
}

}  // namespace pinpipe::orchestrator
