// StreamSettings: what the streaming job takes from the configuration (stream.* keys).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/status.h"
#include "pinterest/raw_tables.h"

namespace pinpipe::stream {

struct StreamSource {
  pinterest::RawKind kind = pinterest::RawKind::kPin;
  std::string topic;  // every partition of it (a Kinesis stream: partition i = shard i)
  bool kinesis = false;  // a Kinesis stream: the status names partition i shardId-<i>
};

struct StreamSettings {
  std::string name = "pinpipe-stream";  // state under <state_dir>; the txn appId is made once
  std::string state_dir;                // <data.dir>/state/stream/<name>
  std::vector<StreamSource> sources;    // read in this order within a batch
  // stream.source = kinesis://… : the streams are read from this remote Kinesis endpoint
  // (kinesis_endpoint.h) instead of the embedded log; empty otherwise.
  std::string kinesis_url;
  std::string kinesis_region;  // stream.kinesis_region ("" = AWS_REGION, else us-east-1)
  int64_t kinesis_idle_poll_ms = 200;  // a shard that answered no record is asked again after this
  // Delta tables (relative to the lake), indexed by RawKind.
  std::array<std::string, 3> tables;             // delta/<prefix>_pin_table ...
  std::array<std::string, 3> quarantine_tables;  // delta/<prefix>_pin_quarantine ...
  int64_t max_batch_records = 100'000;
  int64_t max_batch_bytes = 64ll << 20;
  // A partition's range spans at most this much of its records' log timestamps (whole log
  // batches, at least one); 0 = no time bound. Decided when the batch is planned, so a replay
  // reads the same range.
  int64_t max_batch_ms = 10'000;
  int64_t linger_ms = 0;
  size_t dedup_window = 10'000;  // 0 = no dedup
  // Background compaction (lake/delta_optimize.h): every interval, a table with at least
  // compact_min_files small files is compacted. 0 = off.
  int64_t compact_interval_ms = 10'000;
  int64_t compact_min_files = 20;
};

// The sources of stream.source for pipeline `id`: "kinesis" = streams streaming-<id>-pin|geo|user
// (a kinesis://… URL names the same streams on a remote endpoint),
// "rest" = topics <id>.pin|geo|user, or an explicit "pin=T,geo=T,user=T".
Result<std::vector<StreamSource>> ParseStreamSources(std::string_view spec, std::string_view id);

Result<StreamSettings> StreamSettingsFromConfig(const Config& cfg);

}  // namespace pinpipe::stream
