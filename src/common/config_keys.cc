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
      {"http.api_key", "", "if set, requests must carry it in x-api-key"},
      {"log.default_partitions", "3", "partitions of an auto-created topic"},
      {"log.auto_create_topics", "true", "create topics on first produce"},
      {"log.segment_bytes", "1073741824", "roll a segment above this size"},
      {"log.index_interval_bytes", "4096", "bytes between sparse index entries"},
      {"log.retention_bytes", "-1", "per-partition size limit; -1 = unlimited"},
      {"log.retention_ms", "604800000", "delete segments older than this; -1 = never"},
      {"log.flush", "always", "always (fsync before ack, group commit), interval:<ms>, os"},
      {"rest.consumer_instance_timeout_ms", "300000", "idle REST consumer instances expire"},
      {"rest.consumer_request_timeout_ms", "1000", "default long-poll time of GET records"},
      {"rest.consumer_max_bytes", "67108864", "default max_bytes of GET records"},
      {"kafka.port", "9092", "Kafka protocol port"},
      {"kafka.bootstrap", "", "external Kafka cluster; empty = embedded log"},
      {"lake.uri", "", "lake location (path, file:///dir, s3://bucket/prefix); empty = <data.dir>/lake"},
      {"pipeline.id", "pinterest", "topics <id>.pin|geo|user, streams streaming-<id>-pin|geo|user"},
      {"analytics.median", "lower", "lower (Spark percentile_approx) or interpolated"},
  };
  return keys;
}

}  // namespace pinpipe
