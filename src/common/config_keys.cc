#include <charconv>

#include "common/config.h"

namespace pinpipe {
namespace {

constexpr int64_t kMiB = 1 << 20;
constexpr int64_t kInt32Max = 2147483647;  // values the subsystems keep in an int (ms, sizes)

// log.flush: "always" | "os" | "interval:<ms>" (log/log_options.h parses it for real).
std::string CheckFlush(std::string_view v) {
  if (v == "always" || v == "os") return "";
  if (v.starts_with("interval:")) {
    std::string_view num = v.substr(9);
    int64_t ms = 0;
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), ms);
    if (ec == std::errc() && p == num.data() + num.size() && ms > 0 && ms <= kInt32Max) return "";
  }
  return "always, os or interval:<ms> with ms in 1..2147483647";
}

// pipeline.id names topics (<id>.pin): Kafka's legal topic characters, short enough for them.
std::string CheckTopicPrefix(std::string_view v) {
  bool ok = !v.empty() && v.size() <= 200 && v != "." && v != "..";
  for (char c : v) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-');
  }
  return ok ? "" : "1..200 characters among a-z A-Z 0-9 . _ -";
}

}  // namespace

// Keys fixed by the architecture (data.dir, http.*, kafka.*, lake.uri, pipeline.id,
// analytics.median) keep their names and defaults: scripts and tests depend on them.
// One line per key: {key, default, help, accepted values}. Config::Set checks every value
// (file, env, --set, alias flags) against the last field; ConfigTest checks the defaults.
// clang-format off
const std::vector<ConfigKey>& KnownConfigKeys() {
  static const std::vector<ConfigKey> keys = {
      {"data.dir", "./pinpipe-data", "directory for the log, state, lake and reports", NonEmpty()},
      {"logging.level", "info", "trace, debug, info, warn, error", OneOf("trace|debug|info|warn|error|critical|off")},
      {"http.bind", "127.0.0.1", "address the HTTP gateway listens on", NonEmpty()},
      {"http.port", "8082", "HTTP port (the REST Proxy's default)", Int(0, 65535)},
      {"http.threads", "0", "reactor threads; 0 = one per core", Int(0, 1024)},
      {"http.max_header_bytes", "16384", "request line + headers limit (431 above it)", Int(1024, 64 * kMiB)},
      {"http.max_body_bytes", "33554432", "request body limit (413 above it)", Int(1, 1024 * kMiB)},
      {"http.header_timeout_ms", "10000", "time allowed to receive a request's headers", Int(1, kInt32Max)},
      {"http.body_timeout_ms", "30000", "time allowed to receive a request's body", Int(1, kInt32Max)},
      {"http.idle_timeout_ms", "60000", "keep-alive connection idle timeout", Int(1, kInt32Max)},
      {"http.max_connections", "10000", "open connections; more get 503 (kept below 3/4 of the fd limit)", Int(1, kInt32Max)},
      {"http.api_key", "", "if set, requests must carry it in x-api-key", Text()},
      {"log.default_partitions", "1", "partitions of an auto-created topic (Kafka's num.partitions)", Int(1, 10000)},
      {"log.auto_create_topics", "true", "create topics on first produce", Bool()},
      {"log.segment_bytes", "1073741824", "roll a segment above this size", Int(4096, kInt32Max)},
      {"log.index_interval_bytes", "4096", "bytes between sparse index entries", Int(1, kInt32Max)},
      {"log.retention_bytes", "-1", "per-partition size limit; -1 = unlimited", Int(-1)},
      {"log.retention_ms", "604800000", "delete segments older than this; -1 = never", Int(-1)},
      {"log.flush", "always", "always (fsync before ack, group commit), interval:<ms>, os", Custom(CheckFlush, "always, os or interval:<ms>")},
      {"log.direct_io", "true", "flush=always: O_DIRECT writes into zero-filled space", Bool()},
      {"log.recovery_point_interval_ms", "1000",
       "record the durable point this often (and per 16 MiB); a crash restart re-checks only "
       "what follows; -1 = never", Int(-1, kInt32Max)},
      {"rest.consumer_instance_timeout_ms", "300000", "idle REST consumer instances expire", Int(1, kInt32Max)},
      {"rest.consumer_request_timeout_ms", "1000", "default long-poll time of GET records", Int(0, kInt32Max)},
      {"rest.consumer_max_bytes", "67108864", "default max_bytes of GET records", Int(1, 1024 * kMiB)},
      {"rest.max_records_per_request", "20000", "records in one produce request; more → 413", Int(1, 10000000)},
      {"kafka.port", "9092", "reserved for a Kafka protocol listener (none yet: clients use the REST Proxy)", Int(0, 65535)},
      {"kafka.bootstrap", "", "reserved for an external Kafka cluster (none yet: the embedded log is used)", Text()},
      {"lake.uri", "", "lake location (path, file:///dir, s3://bucket/prefix); empty = <data.dir>/lake", Text()},
      {"pipeline.id", "pinterest", "topics <id>.pin, <id>.geo, <id>.user", Custom(CheckTopicPrefix, "a topic name prefix")},
      // Kinesis and its API-Gateway facade (kinesis/, gateway/kinesis_api.h).
      {"kinesis.auto_create", "true", "the API-Gateway facade creates a stream on its first PUT record(s)", Bool()},
      {"kinesis.auto_create_shards", "1", "shards of a stream the facade creates", Int(1, 10000)},
      {"kinesis.region", "us-east-1", "region named in stream ARNs", NonEmpty()},
      {"kinesis.access_key_id", "", "if set with the secret, Kinesis requests' SigV4 signatures are verified", Text()},
      {"kinesis.secret_access_key", "", "secret for SigV4 verification (never logged)", Text()},
      {"kinesis.fault_throttle_percent", "0", "test aid: % of put records failed with ProvisionedThroughputExceeded", Int(0, 100)},
      {"kinesis.fault_internal_percent", "0", "test aid: % of put records failed with InternalFailure", Int(0, 100)},
      // S3 store (objstore/open_object_store.h); AWS_* variables fill what is unset.
      {"s3.endpoint", "", "S3 endpoint URL (http://127.0.0.1:4569); empty = AWS_ENDPOINT_URL or AWS", Text()},
      {"s3.region", "", "S3 region; empty = AWS_REGION or us-east-1", Text()},
      {"s3.path_style", "true", "path-style (endpoint/bucket/key) or virtual-host addressing", Bool()},
      {"s3.access_key_id", "", "empty = AWS_ACCESS_KEY_ID", Text()},
      {"s3.secret_access_key", "", "empty = AWS_SECRET_ACCESS_KEY (never logged)", Text()},
      {"s3.session_token", "", "empty = AWS_SESSION_TOKEN", Text()},
      {"s3.unsigned_payload", "false", "send x-amz-content-sha256: UNSIGNED-PAYLOAD", Bool()},
      {"s3.multipart_threshold_bytes", "8388608", "objects above this use multipart upload", Int(5 * kMiB, 5120 * kMiB)},
      {"s3.part_size_bytes", "8388608", "multipart part size (S3: 5 MiB..5 GiB)", Int(5 * kMiB, 5120 * kMiB)},
      {"s3.max_attempts", "8", "attempts per S3 request (retries with backoff + jitter)", Int(1, 100)},
      // S3 sink connector (sink/sink_config.h); Confluent's names with '_' for '.'.
      {"sink.enabled", "true", "run the sink connector inside pinpipe serve", Bool()},
      {"sink.name", "pinpipe-s3-sink", "connector name (DLQ headers, status)", NonEmpty()},
      {"sink.topics", "", "comma-separated topics; empty = sink.topics_regex", Text()},
      {"sink.topics_regex", "", "topics regex; empty = <pipeline.id>\\..*", Text()},
      {"sink.flush_size", "1000", "records per object (flush.size)", Int(1, kInt32Max)},
      {"sink.rotate_interval_ms", "-1", "record-time rotation (rotate.interval.ms); -1 = off", Int(-1)},
      {"sink.rotate_schedule_interval_ms", "10000", "wall-clock rotation (rotate.schedule.interval.ms); -1 = off", Int(-1)},
      {"sink.topics_dir", "topics", "object key prefix (topics.dir)", NonEmpty()},
      {"sink.filename_offset_zero_pad_width", "10", "start offset zero padding in names", Int(0, 19)},
      {"sink.format", "json", "json (validated, .json) or bytes (raw, .bin)", OneOf("json|bytes")},
      {"sink.behavior_on_null_values", "fail", "fail, ignore or write (behavior.on.null.values)", OneOf("fail|ignore|write")},
      {"sink.errors_tolerance", "all",
       "all (skip a record the sink cannot write, dead-letter it) or none (stop the task)", OneOf("none|all")},
      {"sink.errors_deadletterqueue_topic_name", "",
       "dead-letter topic for errors.tolerance=all; empty = <pipeline.id>-dlq", Text()},
      {"analytics.median", "lower", "lower (Spark percentile_approx) or interpolated", OneOf("lower|interpolated")},
      // DAG runs and the scheduler (orchestrator/README.md).
      {"dag.parallelism", "4", "tasks of one DAG run that may run at once", Int(1, 256)},
      {"dag.retries", "", "override every DAG's retries; empty = the DAG's own", OptionalInt(0, 100)},
      {"dag.retry_delay_ms", "", "override every DAG's retry delay; empty = the DAG's own", OptionalInt(0, kInt32Max)},
      {"dag.binary", "", "pinpipe path in dag export --airflow; empty = this binary", Text()},
      {"dag.on_no_input", "fail", "a run whose load finds no raw objects: fail or skip (never success)", OneOf("fail|skip")},
      {"dag.sink_wait_s", "60", "load waits up to N s for the sink to land what the log held; 0 = no wait", Int(0, 86400)},
      {"scheduler.enabled", "true", "run the DAG scheduler inside pinpipe serve", Bool()},
  };
  return keys;
}
// clang-format on

}  // namespace pinpipe
