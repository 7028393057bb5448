// The sink connector inside `pinpipe serve` (see cmd_sink.cc).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/config.h"
#include "http/router.h"
#include "log/log_manager.h"
#include "log/log_reader.h"
#include "sink/sink_connector.h"

namespace pinpipe::cli {

// Runs the connector while alive; destroying it stops the connector (before the log closes).
class EmbeddedSink {
 public:
  virtual ~EmbeddedSink() = default;
  // For /healthz: failing uploads, stopped tasks (SinkConnector::Problems).
  virtual std::vector<std::string> Problems() const = 0;
  // Kafka Connect's REST shape for the running connector: GET /connectors and
  // GET /connectors/{name}/status (one task per topic-partition, with pinpipe's offsets).
  // `guard` wraps each handler (the gateway's API key check).
  // Also Connect's control paths: PUT /connectors/{name}/pause and /resume (202), POST
  // /connectors/{name}/restart[?includeTasks=true&onlyFailed=true] (204, or 202 with the
  // status when tasks are included) and POST /connectors/{name}/tasks/{id}/restart (204).
  virtual void RegisterRoutes(http::Router& router,
                              const std::function<http::Handler(http::Handler)>& guard) = 0;
  // The same actions for the dashboard: "status", "pause", "resume", "restart" (`include_tasks`,
  // `only_failed`) or "restart-task" (`task` = the task id of the status document). Returns
  // the status document (RESTARTING for the tasks a restart covers); kNotFound for a task
  // that does not exist. Cheap and non-blocking: the connector's worker applies them.
  virtual Result<std::string> Control(std::string_view action, bool include_tasks, bool only_failed,
                                      int64_t task) = 0;
  // The open and last committed objects (SinkConnector::LiveObjects; null before the first
  // publication), for the dashboard's sink page.
  virtual std::shared_ptr<const sink::SinkLiveObjects> LiveObjects() const = 0;
};

// Starts the connector over `log` when sink.enabled; nullptr when disabled. With `cluster`
// (kafka.bootstrap) it reads the external cluster instead; its state stays under `log`'s data dir.
Result<std::unique_ptr<EmbeddedSink>> StartEmbeddedSink(const Config& cfg, log::LogManager& log,
                                                        log::LogReader* cluster = nullptr);

}  // namespace pinpipe::cli
