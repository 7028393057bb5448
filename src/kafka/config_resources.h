// What IncrementalAlterConfigs and AlterConfigs share: the per-resource answer. Only topic
// resources are alterable (retention.ms, retention.bytes, segment.bytes: log/topic_configs.h);
// pinpipe's broker settings come from its own config file and are read-only here.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"
#include "kafka/wire.h"

namespace pinpipe::kafka {

struct ConfigResult {
  int16_t error = 0;
  std::string message;
};

// Runs `alter` for a topic resource and maps its Status to Kafka's codes (kNotFound →
// UNKNOWN_TOPIC_OR_PARTITION, kInvalidArgument → INVALID_CONFIG, anything else →
// UNKNOWN_SERVER_ERROR); other resource types get INVALID_REQUEST with the reason.
ConfigResult AlterConfigResource(int8_t resource_type, std::string_view name,
                                 const std::function<Status()>& alter);

// One element of the responses array (both APIs share the layout).
void WriteConfigResult(Writer& w, const ConfigResult& result, int8_t resource_type,
                       std::string_view name, bool flexible);

}  // namespace pinpipe::kafka
