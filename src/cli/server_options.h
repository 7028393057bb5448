// Config keys -> options structs of the subsystems `serve` starts.
#pragma once

#include "common/config.h"
#include "gateway/gateway.h"
#include "http/server.h"
#include "log/log_options.h"

namespace pinpipe::cli {

Result<log::LogOptions> LogOptionsFromConfig(const Config& cfg);
Result<http::ServerOptions> HttpOptionsFromConfig(const Config& cfg);
Result<gateway::GatewayOptions> GatewayOptionsFromConfig(const Config& cfg);

}  // namespace pinpipe::cli
