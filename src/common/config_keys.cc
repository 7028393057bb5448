#include <cctype>
#include <charconv>

#include "common/config.h"

namespace pinpipe {
namespace {

constexpr int64_t kMiB = 1 << 20;
constexpr int64_t kInt32Max = 2147483647;  // values the subsystems keep in an int (ms, sizes)

// One of "a|b|c", or "" (unset).
constexpr ValueSpec OptionalOneOf(std::string_view choices) {
  ValueSpec s = OneOf(choices);
  s.empty_ok = true;
  return s;
}

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

// sink.partitioner_class: the short names or Confluent's class names.
std::string CheckPartitioner(std::string_view v) {
  static constexpr std::string_view kNames[] = {"default", "time_based", "daily", "hourly"};
  for (auto n : kNames) {
    if (v == n) return "";
  }
  constexpr std::string_view kPkg = "io.confluent.connect.storage.partitioner.";
  if (v.starts_with(kPkg)) {
    v.remove_prefix(kPkg.size());
    if (v == "DefaultPartitioner" || v == "TimeBasedPartitioner" || v == "DailyPartitioner" ||
        v == "HourlyPartitioner") {
      return "";
    }
  }
  return "default, time_based, daily, hourly or io.confluent.connect.storage.partitioner.<Name>";
}

// sink.timezone: empty, UTC, an offset (+05:30) or an IANA name (the sink loads it).
std::string CheckTimezone(std::string_view v) {
  bool ok = v.size() <= 64 && v.find("..") == std::string_view::npos &&
            (v.empty() || v[0] == '+' || v[0] == '-' || std::isalpha(static_cast<unsigned char>(v[0])));
  for (char c : v) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '+' ||
                c == '/' || c == ':');
  }
  return ok ? "" : "UTC, an offset like +05:30 or a zone name like Europe/Paris";
}

// stream.source: "kinesis", "rest" or "pin=T,geo=T,user=T" (stream/stream_settings.cc parses it).
std::string CheckStreamSource(std::string_view v) {
  if (v == "kinesis" || v == "rest") return "";
  // A remote Kinesis endpoint (stream/kinesis_endpoint.h checks the URL's form).
  if (v.starts_with("kinesis://") || v.starts_with("kinesis+http://") || v.starts_with("kinesis+https://")) return "";
  int seen = 0;
  while (!v.empty()) {
    const size_t comma = v.find(',');
    std::string_view item = v.substr(0, comma);
    v.remove_prefix(comma == std::string_view::npos ? v.size() : comma + 1);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) return "kinesis, rest or pin=T,geo=T,user=T";
    std::string_view kind = item.substr(0, eq);
    const int bit = kind == "pin" ? 1 : kind == "geo" ? 2 : kind == "user" ? 4 : 0;
    if (bit == 0 || (seen & bit) || !CheckTopicPrefix(item.substr(eq + 1)).empty()) {
      return "kinesis, rest or pin=T,geo=T,user=T (each kind once, topic names legal)";
    }
    seen |= bit;
  }
  return seen ? "" : "kinesis, rest or pin=T,geo=T,user=T";
}

// kafka.listener_sasl_mechanisms: a comma list of Kafka's mechanism names, each once.
std::string CheckListenerSaslMechanisms(std::string_view v) {
  constexpr std::string_view kHelp = "a comma list of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (each once)";
  int seen = 0;
  while (true) {
    const size_t comma = v.find(',');
    std::string_view m = v.substr(0, comma);
    const int bit = m == "PLAIN" ? 1 : m == "SCRAM-SHA-256" ? 2 : m == "SCRAM-SHA-512" ? 4 : 0;
    if (bit == 0 || (seen & bit)) return std::string(kHelp);
    seen |= bit;
    if (comma == std::string_view::npos) return "";
    v.remove_prefix(comma + 1);
  }
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
      {"log.retention_check_interval_ms", "30000", "how often retention runs (Kafka's log.retention.check.interval.ms)", Int(100, kInt32Max)},
      {"log.flush", "always", "always (fsync before ack, group commit), interval:<ms>, os", Custom(CheckFlush, "always, os or interval:<ms>")},
      {"log.direct_io", "true", "flush=always: O_DIRECT writes into zero-filled space", Bool()},
      {"log.recovery_point_interval_ms", "1000",
       "record the durable point this often (and per 16 MiB); a crash restart re-checks only "
       "what follows; -1 = never", Int(-1, kInt32Max)},
      {"rest.consumer_instance_timeout_ms", "300000", "idle REST consumer instances expire", Int(1, kInt32Max)},
      {"rest.consumer_request_timeout_ms", "1000", "default long-poll time of GET records", Int(0, kInt32Max)},
      {"rest.consumer_max_bytes", "67108864", "default max_bytes of GET records", Int(1, 1024 * kMiB)},
      {"rest.max_records_per_request", "20000", "records in one produce request; more → 413", Int(1, 10000000)},
      {"kafka.enabled", "true", "run the Kafka protocol listener in serve", Bool()},
      {"kafka.bind", "127.0.0.1", "address the Kafka protocol listener binds and advertises", NonEmpty()},
      {"kafka.port", "9092", "Kafka protocol port; 0 = ephemeral", Int(0, 65535)},
      {"kafka.socket_request_max_bytes", "104857600", "larger request frames close the connection (Kafka's socket.request.max.bytes)", Int(1024, kInt32Max)},
      {"kafka.message_max_bytes", "1048588", "larger produced batches get MESSAGE_TOO_LARGE (Kafka's message.max.bytes)", Int(1024, kInt32Max)},
      {"kafka.group_initial_rebalance_delay_ms", "3000", "first join round of an empty group waits this long (Kafka's group.initial.rebalance.delay.ms)", Int(0, kInt32Max)},
      {"kafka.delete_topic_enable", "true", "DeleteTopics removes topics; false answers TOPIC_DELETION_DISABLED (Kafka's delete.topic.enable)", Bool()},
      {"kafka.listener_security", "plaintext", "the Kafka listener's security protocol: plaintext, ssl, sasl_plaintext, sasl_ssl (Kafka's listener.security.protocol.map)", OneOf("plaintext|ssl|sasl_plaintext|sasl_ssl")},
      {"kafka.listener_sasl_mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512", "sasl_* listener: mechanisms offered (Kafka's sasl.enabled.mechanisms)", Custom(CheckListenerSaslMechanisms, "a comma list of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512")},
      {"kafka.listener_sasl_users", "", "sasl_* listener: its users, user:password,... (secret; SCRAM keys derived at start)", Text()},
      {"kafka.listener_tls_cert_file", "", "ssl/sasl_ssl listener: the certificate chain (PEM), leaf first", Text()},
      {"kafka.listener_tls_key_file", "", "ssl/sasl_ssl listener: the certificate's private key (PEM, unencrypted)", Text()},
      {"kafka.bootstrap", "", "host:port,... of an external Kafka cluster: REST produce and the sink use it instead of the embedded log (the Kafka listener is then off); empty = embedded log", Text()},
      {"kafka.client_timeout_ms", "30000", "external cluster: how long a produced record may wait for acks=all (message.timeout.ms), and the bound of metadata and admin calls", Int(1000, kInt32Max)},
      {"kafka.security_protocol", "", "external cluster: librdkafka security.protocol (plaintext, ssl, sasl_plaintext, sasl_ssl); empty = plaintext", OptionalOneOf("plaintext|ssl|sasl_plaintext|sasl_ssl")},
      {"kafka.sasl_mechanism", "", "external cluster: sasl.mechanism (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER)", OptionalOneOf("PLAIN|SCRAM-SHA-256|SCRAM-SHA-512|OAUTHBEARER")},
      {"kafka.sasl_username", "", "external cluster: sasl.username", Text()},
      {"kafka.sasl_password", "", "external cluster: sasl.password", Text()},
      {"kafka.ssl_ca_location", "", "external cluster: ssl.ca.location (a CA bundle file)", Text()},
      {"kafka.sasl_oauthbearer_method", "", "external cluster, OAUTHBEARER: oidc (librdkafka fetches tokens from the token endpoint with the client credentials) or default (an unsecured JWT from kafka.sasl_oauthbearer_config, for development)", OptionalOneOf("default|oidc")},
      {"kafka.sasl_oauthbearer_token_endpoint_url", "", "external cluster, OAUTHBEARER oidc: sasl.oauthbearer.token.endpoint.url", Text()},
      {"kafka.sasl_oauthbearer_client_id", "", "external cluster, OAUTHBEARER oidc: sasl.oauthbearer.client.id", Text()},
      {"kafka.sasl_oauthbearer_client_secret", "", "external cluster, OAUTHBEARER oidc: sasl.oauthbearer.client.secret", Text()},
      {"kafka.sasl_oauthbearer_scope", "", "external cluster, OAUTHBEARER oidc: sasl.oauthbearer.scope", Text()},
      {"kafka.sasl_oauthbearer_config", "", "external cluster, OAUTHBEARER default: sasl.oauthbearer.config of librdkafka's unsecured JWT (principal=NAME ...)", Text()},
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
      {"kinesis.throttle", "false", "enforce AWS's per-shard limits (writes 1 MiB/s and 1000 records/s, reads 2 MiB/s and 5 GetRecords/s): ProvisionedThroughputExceeded over them", Bool()},
      {"kinesis.throttle_limits", "1048576,1000,2097152,5", "test aid: per-shard write bytes/s,write records/s,read bytes/s,GetRecords/s with kinesis.throttle (checked at start)", NonEmpty()},
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
      // The time-based layout (sink/time_partitioner.h), Confluent's TimeBasedPartitioner.
      {"sink.partitioner_class", "default", "default (partition=<p>), time_based, daily or hourly (partitioner.class)", Custom(CheckPartitioner, "default, time_based, daily, hourly")},
      {"sink.path_format", "", "Joda pattern of the time-based layout, e.g. 'year'=YYYY/'month'=MM/'day'=dd (path.format)", Text()},
      {"sink.partition_duration_ms", "-1", "time bucket of the time-based layout, e.g. 86400000 (partition.duration.ms)", Int(-1)},
      {"sink.timestamp_extractor", "Record", "Record (record timestamp), RecordField (timestamp.field) or Wallclock", OneOf("Record|RecordField|Wallclock")},
      {"sink.timestamp_field", "timestamp", "JSON field (dotted path) with ms or an ISO-8601 time, for RecordField", NonEmpty()},
      {"sink.locale", "en-US", "locale of month/day names in path.format (locale)", NonEmpty()},
      {"sink.timezone", "UTC", "time zone of the time buckets and path.format (timezone)", Custom(CheckTimezone, "UTC, +05:30 or a zone name")},
      // The streaming job (stream/README.md).
      {"stream.enabled", "true", "run the streaming job inside pinpipe serve", Bool()},
      {"stream.source", "kinesis",
       "kinesis (streams streaming-<id>-pin|geo|user), rest (topics <id>.pin|geo|user) or "
       "pin=TOPIC,geo=TOPIC,user=TOPIC; kinesis://HOST:PORT (kinesis+https://HOST, kinesis:// = AWS) reads "
       "the same streams from a remote Kinesis endpoint, SigV4 with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN",
       Custom(CheckStreamSource, "kinesis, rest, kinesis://HOST:PORT or pin=T,geo=T,user=T")},
      {"stream.kinesis_idle_poll_ms", "200", "kinesis:// source: a shard with no new record is asked again after this (AWS allows 5 GetRecords/s per shard, shared by its readers)", Int(10, 60000)},
      {"stream.kinesis_region", "", "region of a kinesis:// source (signature scope; kinesis:// alone = its AWS endpoint); empty = AWS_REGION, else us-east-1", Text()},
      {"stream.name", "pinpipe-stream", "job name: state under <data.dir>/state/stream/<name>", Custom(CheckTopicPrefix, "a name")},
      {"stream.table_prefix", "", "tables <prefix>_pin_table ...; empty = <pipeline.id>", Text()},
      {"stream.max_batch_records", "100000", "records per micro-batch at most", Int(1, kInt32Max)},
      {"stream.max_batch_bytes", "67108864", "record bytes fetched per micro-batch at most", Int(4096, 1024 * kMiB)},
      {"stream.max_batch_ms", "10000", "a micro-batch spans at most this much of each partition's record timestamps; 0 = no time bound", Int(0, kInt32Max)},
      {"stream.linger_ms", "0", "wait this long after the first new record before planning a batch", Int(0, 60000)},
      {"stream.compact_interval_ms", "10000", "background compaction of the stream tables this often; 0 = off", Int(0, kInt32Max)},
      {"stream.compact_min_files", "20", "compact a stream table once it has this many small files", Int(2, 1000000)},
      {"stream.dedup_window", "10000", "distinct rows per table remembered to drop exact duplicates; 0 = off", Int(0, 10000000)},
      // The live analytics view (live/README.md).
      {"live.enabled", "true", "serve the live analytics (batch view + streaming tables) on GET /analytics/<name> in pinpipe serve", Bool()},
      {"live.poll_ms", "100", "how often the live view reads new streaming commits and looks for a new batch run", Int(10, 60000)},
      {"analytics.median", "lower", "lower (Spark percentile_approx) or interpolated", OneOf("lower|interpolated")},
      // DAG runs and the scheduler (orchestrator/README.md).
      {"dag.parallelism", "4", "tasks of one DAG run that may run at once", Int(1, 256)},
      {"dag.retries", "", "override every DAG's retries; empty = the DAG's own", OptionalInt(0, 100)},
      {"dag.retry_delay_ms", "", "override every DAG's retry delay; empty = the DAG's own", OptionalInt(0, kInt32Max)},
      {"dag.binary", "", "pinpipe path in dag export --airflow; empty = this binary", Text()},
      {"dag.on_no_input", "fail", "a run whose load finds no raw objects: fail or skip (never success)", OneOf("fail|skip")},
      {"dag.data_selection", "all", "all (every run reads the whole lake) or interval (the logical date's day; date-partitioned clean tables)", OneOf("all|interval")},
      {"dag.analytics_window_days", "0", "with dag.data_selection=interval: analytics over the last N dates up to the run's; 0 = all dates", Int(0, 36500)},
      {"dag.clean_chunk_bytes", "25165824", "clean tasks: bytes of raw objects per Parquet part file (read and cleaned in parallel)", Int(1)},
      {"dag.sink_wait_s", "60", "load waits up to N s for the sink to land what the log held; 0 = no wait", Int(0, 86400)},
      {"scheduler.enabled", "true", "run the DAG scheduler inside pinpipe serve", Bool()},
      {"ui.enabled", "true", "serve the web dashboard at /ui on the HTTP port (pinpipe serve)", Bool()},
      {"ui.dir", "", "serve the dashboard's files from this directory (development); empty = built in", Text()},
  };
  return keys;
}
// clang-format on

}  // namespace pinpipe
