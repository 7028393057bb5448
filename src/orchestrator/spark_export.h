// Spark export: the batch DAG's cleaning and eight analytics as one PySpark job
// (spark_job.py, compiled in) plus the settings it needs, for a lake that outgrew one machine.
// The job reads the raw lake (a path or s3://) and writes the same Delta tables as
// `pinpipe dag run` with dag.data_selection = all.
#pragma once

#include <string>
#include <string_view>

#include "common/config.h"
#include "common/status.h"

namespace pinpipe::orchestrator {

// The job's Python source (src/orchestrator/spark_job.py).
std::string_view SparkJobSource();

// The job's settings as JSON, from the effective configuration: the raw lake (absolute when
// local), sink.topics_dir, pipeline.id, analytics.median and the s3.* endpoint settings.
// Credentials are never written: the job's Hadoop S3 connector takes them from AWS_*.
std::string RenderSparkConfig(const Config& cfg, const std::string& cwd);

inline constexpr std::string_view kSparkJobFile = "pinterest_batch_spark.py";
inline constexpr std::string_view kSparkConfigFile = "pinterest_batch_spark.json";

// Writes <dir>/pinterest_batch_spark.py and <dir>/pinterest_batch_spark.json (atomically).
Status WriteSparkExport(const Config& cfg, const std::string& dir, const std::string& cwd);

}  // namespace pinpipe::orchestrator
