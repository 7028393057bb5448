// Process-wide logging on spdlog: human-readable lines on stderr. Never log per record on
// a hot path, and never log secrets (API keys, AWS credentials).
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace pinpipe {

// Sets the level from "trace|debug|info|warn|error|off"; unknown names keep "info".
void InitLogging(std::string_view level);

}  // namespace pinpipe
