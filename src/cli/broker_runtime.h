// The in-process broker that `pinpipe serve` runs and `pinpipe demo` starts: the durable log,
// the HTTP gateway (REST Proxy v2, /healthz, /metrics) and the background workers that run
// inside `serve` by default (the sink connector, the DAG scheduler). Start order: log, sink,
// HTTP, scheduler; Stop reverses it (the scheduler first: its run in progress is cancelled).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/cmd_sink.h"
#include "common/config.h"
#include "gateway/gateway.h"
#include "http/server.h"
#include "kinesis/service.h"
#include "log/log_manager.h"

namespace pinpipe::cli {

class SchedulerService;

class BrokerRuntime {
 public:
  // Opens the log (printing what recovery cut), starts the workers and the HTTP server.
  // `port_override` >= 0 replaces http.port (0 = an ephemeral port).
  static Result<std::unique_ptr<BrokerRuntime>> Start(const Config& cfg, int port_override = -1);
  ~BrokerRuntime();  // Stop()
  // Stops accepting, answers pending requests, stops the workers, flushes and closes the log.
  void Stop();

  uint16_t port() const { return server_->port(); }
  std::string url() const;
  log::LogManager& log() { return *log_; }
  const std::vector<log::RecoveryReport>& recovery() const { return recovery_; }
  int64_t log_open_ms() const { return log_open_ms_; }
  size_t reactor_threads() const { return server_->thread_count(); }

 private:
  BrokerRuntime() = default;
  std::string bind_;
  std::unique_ptr<log::LogManager> log_;
  std::unique_ptr<EmbeddedSink> sink_;  // the S3 sink connector (sink.enabled)
  std::unique_ptr<kinesis::Service> kinesis_;  // before the gateway, which uses it
  std::unique_ptr<gateway::Gateway> gateway_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<SchedulerService> scheduler_;  // scheduler.enabled
  std::vector<log::RecoveryReport> recovery_;
  int64_t log_open_ms_ = 0;
  bool stopped_ = false;
};

}  // namespace pinpipe::cli
