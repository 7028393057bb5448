// The streaming job inside `pinpipe serve` (see cmd_stream.cc).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/config.h"
#include "kinesis/stream_store.h"
#include "log/log_manager.h"
#include "log/log_reader.h"

namespace pinpipe::cli {

// Runs the job while alive; destroying it stops the job after the batch in flight.
class EmbeddedStream {
 public:
  virtual ~EmbeddedStream() = default;
  virtual std::vector<std::string> Problems() const = 0;  // for /healthz
  virtual void RenderPrometheus(std::string& out) const = 0;  // for /metrics
  virtual std::string StatusJson() const = 0;                  // for the dashboard
};

// Starts the job over `log` when stream.enabled; nullptr when disabled. `kinesis` (the server's
// stream metadata) keeps the job inside the Kinesis streams' shards: it never reads the records
// a deleted stream of the same name left in the log topic. With `cluster` (kafka.bootstrap) a
// job that reads topics reads them from the external cluster; Kinesis streams stay in `log`.
Result<std::unique_ptr<EmbeddedStream>> StartEmbeddedStream(const Config& cfg, log::LogManager& log,
                                                            const kinesis::StreamStore* kinesis,
                                                            log::LogReader* cluster = nullptr);

}  // namespace pinpipe::cli
