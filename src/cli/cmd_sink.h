// The sink connector inside `pinpipe serve` (see cmd_sink.cc).
#pragma once

#include <memory>

#include "common/config.h"
#include "log/log_manager.h"

namespace pinpipe::cli {

// Runs the connector while alive; destroying it stops the connector (before the log closes).
class EmbeddedSink {
 public:
  virtual ~EmbeddedSink() = default;
};

// Starts the connector over `log` when sink.enabled; nullptr when disabled.
Result<std::unique_ptr<EmbeddedSink>> StartEmbeddedSink(const Config& cfg, log::LogManager& log);

}  // namespace pinpipe::cli
