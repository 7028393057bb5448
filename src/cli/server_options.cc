#include "cli/server_options.h"

namespace pinpipe::cli {

Result<log::LogOptions> LogOptionsFromConfig(const Config& cfg) {
  log::LogOptions o;
  o.dir = cfg.DataDir();
  PINPIPE_ASSIGN_OR_RETURN(int64_t parts, cfg.GetInt("log.default_partitions"));
  if (parts < 1 || parts > 10000) {
    return MakeError(ErrorCode::kInvalidArgument, "log.default_partitions must be in 1..10000");
  }
  o.default_partitions = static_cast<int32_t>(parts);
  PINPIPE_ASSIGN_OR_RETURN(o.auto_create, cfg.GetBool("log.auto_create_topics"));
  PINPIPE_ASSIGN_OR_RETURN(int64_t seg, cfg.GetInt("log.segment_bytes"));
  if (seg < 4096) return MakeError(ErrorCode::kInvalidArgument, "log.segment_bytes must be at least 4096");
  o.segment_bytes = static_cast<uint64_t>(seg);
  PINPIPE_ASSIGN_OR_RETURN(int64_t idx, cfg.GetInt("log.index_interval_bytes"));
  o.index_interval_bytes = static_cast<uint64_t>(std::max<int64_t>(idx, 1));
  PINPIPE_ASSIGN_OR_RETURN(o.retention_bytes, cfg.GetInt("log.retention_bytes"));
  PINPIPE_ASSIGN_OR_RETURN(o.retention_ms, cfg.GetInt("log.retention_ms"));
  PINPIPE_ASSIGN_OR_RETURN(o.retention_check_interval_ms, cfg.GetInt("log.retention_check_interval_ms"));
  PINPIPE_ASSIGN_OR_RETURN(int64_t max_body, cfg.GetInt("http.max_body_bytes"));
  // A request body can hold at most this much record data, so a batch never needs more.
  o.max_batch_bytes = static_cast<size_t>(std::max<int64_t>(max_body, 1 << 20)) * 2;
  auto flush = log::FlushPolicy::Parse(cfg.GetString("log.flush"));
  if (!flush) {
    return MakeError(ErrorCode::kInvalidArgument, "log.flush: " + flush.error().message());
  }
  o.flush = *flush;
  PINPIPE_ASSIGN_OR_RETURN(o.direct_io, cfg.GetBool("log.direct_io"));
  PINPIPE_ASSIGN_OR_RETURN(o.recovery_point_interval_ms,
                           cfg.GetInt("log.recovery_point_interval_ms"));
  if (o.recovery_point_interval_ms < -1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "log.recovery_point_interval_ms must be -1 (never) or at least 0");
  }
  return o;
}

Result<http::ServerOptions> HttpOptionsFromConfig(const Config& cfg) {
  http::ServerOptions o;
  o.bind = cfg.GetString("http.bind");
  PINPIPE_ASSIGN_OR_RETURN(int64_t port, cfg.GetInt("http.port"));
  if (port < 0 || port > 65535) return MakeError(ErrorCode::kInvalidArgument, "http.port must be in 0..65535");
  o.port = static_cast<uint16_t>(port);
  PINPIPE_ASSIGN_OR_RETURN(int64_t threads, cfg.GetInt("http.threads"));
  o.threads = static_cast<int>(threads);
  PINPIPE_ASSIGN_OR_RETURN(int64_t mh, cfg.GetInt("http.max_header_bytes"));
  o.max_header_bytes = static_cast<size_t>(mh);
  PINPIPE_ASSIGN_OR_RETURN(int64_t mb, cfg.GetInt("http.max_body_bytes"));
  o.max_body_bytes = static_cast<size_t>(mb);
  PINPIPE_ASSIGN_OR_RETURN(int64_t ht, cfg.GetInt("http.header_timeout_ms"));
  o.header_timeout_ms = static_cast<int>(ht);
  PINPIPE_ASSIGN_OR_RETURN(int64_t bt, cfg.GetInt("http.body_timeout_ms"));
  o.body_timeout_ms = static_cast<int>(bt);
  PINPIPE_ASSIGN_OR_RETURN(int64_t it, cfg.GetInt("http.idle_timeout_ms"));
  o.idle_timeout_ms = static_cast<int>(it);
  PINPIPE_ASSIGN_OR_RETURN(int64_t mc, cfg.GetInt("http.max_connections"));
  if (mc < 1 || mc > 1'000'000) {
    return MakeError(ErrorCode::kInvalidArgument, "http.max_connections must be in 1..1000000");
  }
  o.max_connections = static_cast<int>(mc);
  return o;
}

Result<gateway::GatewayOptions> GatewayOptionsFromConfig(const Config& cfg) {
  gateway::GatewayOptions o;
  PINPIPE_ASSIGN_OR_RETURN(o.consumers.instance_timeout_ms, cfg.GetInt("rest.consumer_instance_timeout_ms"));
  PINPIPE_ASSIGN_OR_RETURN(o.consumers.request_timeout_ms, cfg.GetInt("rest.consumer_request_timeout_ms"));
  PINPIPE_ASSIGN_OR_RETURN(o.consumers.max_bytes, cfg.GetInt("rest.consumer_max_bytes"));
  PINPIPE_ASSIGN_OR_RETURN(int64_t max_records, cfg.GetInt("rest.max_records_per_request"));
  if (max_records < 1) {
    return MakeError(ErrorCode::kInvalidArgument, "rest.max_records_per_request must be >= 1");
  }
  o.produce.max_records = static_cast<size_t>(max_records);
  o.api_key = cfg.GetString("http.api_key");
  PINPIPE_ASSIGN_OR_RETURN(o.kinesis_http.auto_create, cfg.GetBool("kinesis.auto_create"));
  PINPIPE_ASSIGN_OR_RETURN(int64_t shards, cfg.GetInt("kinesis.auto_create_shards"));
  o.kinesis_http.auto_create_shards = static_cast<int32_t>(shards);
  o.kinesis_http.access_key_id = cfg.GetString("kinesis.access_key_id");
  o.kinesis_http.secret_access_key = cfg.GetString("kinesis.secret_access_key");
  return o;
}

namespace {

// OAUTHBEARER needs a way to get tokens: the client credentials (pinpipe fetches the tokens:
// kafka/oauth_client_credentials.h), or (development only) librdkafka's unsecured JWT, which it
// builds from sasl.oauthbearer.config once told it may.
Status CheckOauthBearer(const Config& cfg, kafka::ClusterOptions& o) {
  const bool oauth = cfg.GetString("kafka.sasl_mechanism") == "OAUTHBEARER";
  const bool oidc = cfg.GetString("kafka.sasl_oauthbearer_method") == "oidc";
  if (!oauth) return OkStatus();
  if (oidc) {
    for (const char* key : {"kafka.sasl_oauthbearer_token_endpoint_url", "kafka.sasl_oauthbearer_client_id",
                            "kafka.sasl_oauthbearer_client_secret"}) {
      if (cfg.GetString(key).empty()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         std::string(key) + ": required by kafka.sasl_oauthbearer_method=oidc");
      }
    }
    if (!cfg.GetString("kafka.sasl_oauthbearer_config").empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "kafka.sasl_oauthbearer_config: for the unsecured development token, not with "
                       "kafka.sasl_oauthbearer_method=oidc");
    }
    o.oauth.token_endpoint_url = cfg.GetString("kafka.sasl_oauthbearer_token_endpoint_url");
    o.oauth.client_id = cfg.GetString("kafka.sasl_oauthbearer_client_id");
    o.oauth.client_secret = cfg.GetString("kafka.sasl_oauthbearer_client_secret");
    o.oauth.scope = cfg.GetString("kafka.sasl_oauthbearer_scope");
    return OkStatus();
  }
  if (cfg.GetString("kafka.sasl_oauthbearer_config").empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "kafka.sasl_mechanism=OAUTHBEARER: set kafka.sasl_oauthbearer_method=oidc with the token "
                     "endpoint and client credentials, or kafka.sasl_oauthbearer_config=principal=NAME for an "
                     "unsecured development token");
  }
  o.properties.emplace_back("enable.sasl.oauthbearer.unsecure.jwt", "true");
  return OkStatus();
}

}  // namespace

Result<kafka::ClusterOptions> ClusterOptionsFromConfig(const Config& cfg) {
  kafka::ClusterOptions o;
  o.bootstrap = cfg.GetString("kafka.bootstrap");
  PINPIPE_ASSIGN_OR_RETURN(o.auto_create, cfg.GetBool("log.auto_create_topics"));
  PINPIPE_ASSIGN_OR_RETURN(int64_t parts, cfg.GetInt("log.default_partitions"));
  o.default_partitions = static_cast<int32_t>(parts);
  PINPIPE_ASSIGN_OR_RETURN(o.timeout_ms, cfg.GetInt("kafka.client_timeout_ms"));
  // kafka.security_protocol, kafka.sasl_*, kafka.ssl_ca_location → librdkafka's names, passed through as they are.
  for (auto [key, property] : {std::pair{"kafka.security_protocol", "security.protocol"},
                               std::pair{"kafka.sasl_mechanism", "sasl.mechanism"},
                               std::pair{"kafka.sasl_username", "sasl.username"},
                               std::pair{"kafka.sasl_password", "sasl.password"},
                               std::pair{"kafka.ssl_ca_location", "ssl.ca.location"},
                               std::pair{"kafka.sasl_oauthbearer_config", "sasl.oauthbearer.config"}}) {
    std::string v = cfg.GetString(key);
    if (!v.empty()) o.properties.emplace_back(property, std::move(v));
  }
  PINPIPE_RETURN_IF_ERROR(CheckOauthBearer(cfg, o));
  return o;
}

Result<std::unique_ptr<kafka::ClusterLog>> OpenClusterIfConfigured(const Config& cfg) {
  if (cfg.GetString("kafka.bootstrap").empty()) return std::unique_ptr<kafka::ClusterLog>();
  PINPIPE_ASSIGN_OR_RETURN(kafka::ClusterOptions o, ClusterOptionsFromConfig(cfg));
  return kafka::ClusterLog::Open(std::move(o));
}

}  // namespace pinpipe::cli
