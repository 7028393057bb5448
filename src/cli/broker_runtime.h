// The in-process broker that `pinpipe serve` runs and `pinpipe demo` starts: the durable log,
// the HTTP gateway (REST Proxy v2, /healthz, /metrics, the dashboard), the Kafka protocol
// listener (kafka.enabled, kafka.port) and the background workers that run inside `serve` by
// default (the sink connector, the streaming job, the DAG scheduler). Start order: log, sink,
// stream, Kafka, HTTP, scheduler; Stop reverses it (the scheduler first: its run in progress is
// cancelled).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/cmd_sink.h"
#include "cli/cmd_stream.h"
#include "common/config.h"
#include "gateway/gateway.h"
#include "groups/group_coordinator.h"
#include "http/server.h"
#include "kafka/broker.h"
#include "ui/dashboard.h"
#include "kafka/cluster_consumers.h"
#include "kafka/cluster_log.h"
#include "log/embedded_log.h"
#include "kafka/server.h"
#include "kinesis/service.h"
#include "log/log_manager.h"

namespace pinpipe::cli {

class SchedulerService;
class DashboardService;
struct LiveService;

class BrokerRuntime {
 public:
  // Opens the log (printing what recovery cut), starts the workers and the HTTP server.
  // `port_override` >= 0 replaces http.port, `kafka_port_override` kafka.port (0 = an
  // ephemeral port).
  static Result<std::unique_ptr<BrokerRuntime>> Start(const Config& cfg, int port_override = -1,
                                                      int kafka_port_override = -1);
  ~BrokerRuntime();  // Stop()
  // Stops accepting, answers pending requests, stops the workers, flushes and closes the log.
  void Stop();

  uint16_t port() const { return server_->port(); }
  // The Kafka listener's port, 0 when kafka.enabled is false.
  uint16_t kafka_port() const { return kafka_server_ ? kafka_server_->port() : 0; }
  std::string url() const;
  log::LogManager& log() { return *log_; }
  // Where the pipeline's topics live: the external cluster (kafka.bootstrap) or the embedded log.
  log::LogReader& reader() { return cluster_ ? static_cast<log::LogReader&>(*cluster_) : *embedded_reader_; }
  kafka::ClusterLog* cluster() { return cluster_.get(); }
  const std::vector<log::RecoveryReport>& recovery() const { return recovery_; }
  int64_t log_open_ms() const { return log_open_ms_; }
  size_t reactor_threads() const { return server_->thread_count(); }

 private:
  BrokerRuntime() = default;
  // The live members of a consumer group: REST Proxy instances and Kafka group members.
  std::vector<std::string> GroupMembers(const std::string& group);
  std::vector<ui::GroupMemberInfo> GroupAssignments(const std::string& group);
  std::string bind_;
  std::unique_ptr<log::LogManager> log_;
  std::unique_ptr<log::EmbeddedLog> embedded_reader_;
  // kafka.bootstrap: REST produce and the sink use this cluster instead of the embedded log.
  std::unique_ptr<kafka::ClusterLog> cluster_;
  // kafka.bootstrap: the REST Proxy's consumers, members of the cluster's groups (before the
  // gateway, which calls them: destroyed after it).
  std::unique_ptr<kafka::ClusterConsumers> cluster_consumers_;
  std::unique_ptr<EmbeddedSink> sink_;  // the S3 sink connector (sink.enabled)
  std::unique_ptr<kinesis::Service> kinesis_;  // before the stream job and the gateway, which use it
  std::unique_ptr<EmbeddedStream> stream_;  // the streaming job (stream.enabled)
  std::unique_ptr<LiveService> live_;       // the live analytics view (live.enabled)
  std::unique_ptr<gateway::Gateway> gateway_;
  std::unique_ptr<DashboardService> dashboard_;  // ui.enabled (routes on the server below)
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<SchedulerService> scheduler_;  // scheduler.enabled
  // kafka.enabled. Destroyed after the log closes (their answers may still be posted).
  std::unique_ptr<groups::GroupCoordinator> groups_;
  std::unique_ptr<kafka::Broker> kafka_;
  std::unique_ptr<kafka::KafkaServer> kafka_server_;
  std::vector<log::RecoveryReport> recovery_;
  int64_t log_open_ms_ = 0;
  bool stopped_ = false;
};

}  // namespace pinpipe::cli
