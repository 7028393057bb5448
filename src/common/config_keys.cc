#include "common/config.h"

namespace pinpipe {

// Keys fixed by the architecture (data.dir, http.*, kafka.*, lake.uri, pipeline.id,
// analytics.median) keep their names and defaults: scripts and tests depend on them.
const std::vector<ConfigKey>& KnownConfigKeys() {
  static const std::vector<ConfigKey> keys = {
      {"data.dir", "./pinpipe-data", "directory for the log, state, lake and reports"},
      {"logging.level", "info", "trace, debug, info, warn, error"},
      {"http.bind", "127.0.0.1", "address the HTTP gateway listens on"},
      {"http.port", "8082", "HTTP port (the REST Proxy's default)"},
      {"http.threads", "0", "reactor threads; 0 = one per core"},
      {"http.max_header_bytes", "16384", "request line + headers limit (431 above it)"},
      {"http.max_body_bytes", "33554432", "request body limit (413 above it)"},
      {"http.header_timeout_ms", "10000", "time allowed to receive a request's headers"},
      {"http.body_timeout_ms", "30000", "time allowed to receive a request's body"},
      {"http.idle_timeout_ms", "60000", "keep-alive connection idle timeout"},
      {"http.max_connections", "10000", "open connections; more get 503 (kept below 3/4 of the fd limit)"},
      {"http.api_key", "", "if set, requests must carry it in x-api-key"},
      {"log.default_partitions", "1", "partitions of an auto-created topic (Kafka's num.partitions)"},
      {"log.auto_create_topics", "true", "create topics on first produce"},
      {"log.segment_bytes", "1073741824", "roll a segment above this size"},
      {"log.index_interval_bytes", "4096", "bytes between sparse index entries"},
      {"log.retention_bytes", "-1", "per-partition size limit; -1 = unlimited"},
      {"log.retention_ms", "604800000", "delete segments older than this; -1 = never"},
      {"log.flush", "always", "always (fsync before ack, group commit), interval:<ms>, os"},
      {"log.direct_io", "true", "flush=always: O_DIRECT writes into zero-filled space"},
      {"log.recovery_point_interval_ms", "1000",
       "record the durable point this often (and per 16 MiB); a crash restart re-checks only "
       "what follows; -1 = never"},
      {"rest.consumer_instance_timeout_ms", "300000", "idle REST consumer instances expire"},
      {"rest.consumer_request_timeout_ms", "1000", "default long-poll time of GET records"},
      {"rest.consumer_max_bytes", "67108864", "default max_bytes of GET records"},
      {"rest.max_records_per_request", "20000", "records in one produce request; more → 413"},
      {"kafka.port", "9092", "Kafka protocol port"},
      {"kafka.bootstrap", "", "external Kafka cluster; empty = embedded log"},
      {"lake.uri", "", "lake location (path, file:///dir, s3://bucket/prefix); empty = <data.dir>/lake"},
      {"pipeline.id", "pinterest", "topics <id>.pin|geo|user, streams streaming-<id>-pin|geo|user"},
      // S3 store (objstore/open_object_store.h); AWS_* variables fill what is unset.
      {"s3.endpoint", "", "S3 endpoint URL (http://127.0.0.1:4569); empty = AWS_ENDPOINT_URL or AWS"},
      {"s3.region", "", "S3 region; empty = AWS_REGION or us-east-1"},
      {"s3.path_style", "true", "path-style (endpoint/bucket/key) or virtual-host addressing"},
      {"s3.access_key_id", "", "empty = AWS_ACCESS_KEY_ID"},
      {"s3.secret_access_key", "", "empty = AWS_SECRET_ACCESS_KEY (never logged)"},
      {"s3.session_token", "", "empty = AWS_SESSION_TOKEN"},
      {"s3.unsigned_payload", "false", "send x-amz-content-sha256: UNSIGNED-PAYLOAD"},
      {"s3.multipart_threshold_bytes", "8388608", "objects above this use multipart upload"},
      {"s3.part_size_bytes", "8388608", "multipart part size (>= 5 MiB)"},
      {"s3.max_attempts", "8", "attempts per S3 request (retries with backoff + jitter)"},
      // S3 sink connector (sink/sink_config.h); Confluent's names with '_' for '.'.
      {"sink.enabled", "true", "run the sink connector inside pinpipe serve"},
      {"sink.name", "pinpipe-s3-sink", "connector name (DLQ headers, status)"},
      {"sink.topics", "", "comma-separated topics; empty = sink.topics_regex"},
      {"sink.topics_regex", "", "topics regex; empty = <pipeline.id>\\..*"},
      {"sink.flush_size", "1000", "records per object (flush.size)"},
      {"sink.rotate_interval_ms", "-1", "record-time rotation (rotate.interval.ms); -1 = off"},
      {"sink.rotate_schedule_interval_ms", "10000", "wall-clock rotation (rotate.schedule.interval.ms); -1 = off"},
      {"sink.topics_dir", "topics", "object key prefix (topics.dir)"},
      {"sink.filename_offset_zero_pad_width", "10", "start offset zero padding in names"},
      {"sink.format", "json", "json (validated, .json) or bytes (raw, .bin)"},
      {"sink.behavior_on_null_values", "fail", "fail, ignore or write (behavior.on.null.values)"},
      {"sink.errors_tolerance", "all",
       "all (skip a record the sink cannot write, dead-letter it) or none (stop the task)"},
      {"sink.errors_deadletterqueue_topic_name", "",
       "dead-letter topic for errors.tolerance=all; empty = <pipeline.id>-dlq"},
      {"analytics.median", "lower", "lower (Spark percentile_approx) or interpolated"},
      // DAG runs and the scheduler (orchestrator/README.md).
      {"dag.parallelism", "4", "tasks of one DAG run that may run at once"},
      {"dag.retries", "", "override every DAG's retries; empty = the DAG's own"},
      {"dag.retry_delay_ms", "", "override every DAG's retry delay; empty = the DAG's own"},
      {"dag.fail_task", "", "test hook: task[:N],... fail their first N attempts (no N = always)"},
      {"dag.binary", "", "pinpipe path in dag export --airflow; empty = this binary"},
      {"dag.on_no_input", "fail", "a run whose load finds no raw objects: fail or skip (never success)"},
      {"dag.sink_wait_s", "60", "load waits up to N s for the sink to land what the log held; 0 = no wait"},
      {"scheduler.enabled", "true", "run the DAG scheduler inside pinpipe serve"},
  };
  return keys;
}

}  // namespace pinpipe
