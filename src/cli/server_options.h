// Config keys -> options structs of the subsystems `serve` starts.
#pragma once

#include "common/config.h"
#include "gateway/gateway.h"
#include "http/server.h"
#include "kafka/cluster_log.h"
#include "log/log_options.h"

namespace pinpipe::cli {

Result<log::LogOptions> LogOptionsFromConfig(const Config& cfg);
Result<http::ServerOptions> HttpOptionsFromConfig(const Config& cfg);
Result<gateway::GatewayOptions> GatewayOptionsFromConfig(const Config& cfg);
// kafka.bootstrap and the external cluster's client settings (kafka.client_timeout_ms,
// kafka.security_protocol, kafka.sasl_*, kafka.ssl_ca_location); topic auto-creation as the embedded log's (log.auto_create_topics,
// log.default_partitions).
Result<kafka::ClusterOptions> ClusterOptionsFromConfig(const Config& cfg);
// Opens the external cluster when kafka.bootstrap is set; nullptr when it is not.
Result<std::unique_ptr<kafka::ClusterLog>> OpenClusterIfConfigured(const Config& cfg);

}  // namespace pinpipe::cli
