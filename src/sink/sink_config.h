// SinkConfig: the connector's settings under Confluent's S3 sink names (reference/protocols.md
// §4): topics | topics.regex, flush.size, rotate.interval.ms, rotate.schedule.interval.ms,
// topics.dir, filename.offset.zero.pad.width, format, behavior.on.null.values,
// errors.tolerance, errors.deadletterqueue.topic.name; and the time-based layout's
// partitioner.class, path.format, partition.duration.ms, timestamp.extractor, timestamp.field,
// locale, timezone (time_partitioner.h).
#pragma once

#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/status.h"
#include "sink/time_partitioner.h"
#include "sink/timestamp_extractor.h"

namespace pinpipe::sink {

enum class SinkFormat { kJson, kBytes };
enum class NullBehavior { kFail, kIgnore, kWrite };
enum class ErrorTolerance { kNone, kAll };
enum class PartitionerKind { kDefault, kTimeBased };

struct SinkConfig {
  std::string name = "pinpipe-s3-sink";  // connector name (DLQ headers)
  std::vector<std::string> topics;       // explicit list, or
  std::string topics_regex;              // a regex matched against the whole name
  int64_t flush_size = 0;                // required, >= 1
  int64_t rotate_interval_ms = -1;       // record time; -1 = off
  int64_t rotate_schedule_interval_ms = -1;  // wall clock; -1 = off
  std::string topics_dir = "topics";
  int pad_width = 10;
  SinkFormat format = SinkFormat::kJson;
  NullBehavior null_behavior = NullBehavior::kFail;
  ErrorTolerance tolerance = ErrorTolerance::kNone;
  std::string dlq_topic;
  bool dlq_topic_defaulted = false;  // dlq_topic is pinpipe's default, not set by the user
  // The layout: DefaultPartitioner (partition=<p>) or TimeBasedPartitioner (Daily and Hourly
  // set path_format and partition_duration_ms).
  PartitionerKind partitioner = PartitionerKind::kDefault;
  std::string path_format;
  int64_t partition_duration_ms = -1;
  TimestampSource timestamp_source = TimestampSource::kWallclock;
  std::string timestamp_field = "timestamp";
  std::string locale;
  std::string timezone;

  // Engine limits (not Confluent settings).
  size_t fetch_max_bytes = 4u << 20;        // per partition per poll
  size_t max_round_bytes = 64u << 20;       // flush once this much is cut and waiting
  size_t max_round_objects = 5000;          // ... or this many objects
  int64_t poll_interval_ms = 100;           // idle wait between polls when caught up
  int64_t topic_refresh_ms = 1000;          // how often new topics/partitions are found

  // Sets one setting by its Confluent name ("flush.size", ...).
  Status Set(std::string_view name, std::string_view value);
  // flush.size set, a topic selection, a valid regex, DLQ not among the sunk topics.
  Status Validate() const;
  bool Matches(std::string_view topic) const;
  std::string_view Extension() const { return format == SinkFormat::kJson ? ".json" : ".bin"; }
  // The time-based partitioner (built by Validate); null with the default partitioner.
  const TimeBasedPartitioner* time_based() const { return time_based_.get(); }

 private:
  mutable std::regex compiled_;
  mutable bool compiled_ok_ = false;
  mutable std::shared_ptr<const TimeBasedPartitioner> time_based_;
};

// From the sink.* keys of pinpipe's config (topics regex default "<pipeline.id>\..*").
Result<SinkConfig> SinkConfigFromConfig(const Config& cfg);

}  // namespace pinpipe::sink
