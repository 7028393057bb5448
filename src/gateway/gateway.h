// The HTTP gateway: every route pinpipe serves on its one HTTP port — the Kafka REST Proxy v2
// (produce, metadata, consumers), GET /healthz and GET /metrics. Later protocols (Kinesis, the
// API-Gateway facade) register here too.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gateway/consumer_manager.h"
#include "gateway/kinesis_api.h"
#include "gateway/rest_admin.h"
#include "gateway/rest_produce.h"
#include "gateway/rest_topics.h"
#include "http/router.h"
#include "log/embedded_log.h"
#include "log/log_manager.h"
#include "log/topic_admin.h"

namespace pinpipe::gateway {

struct GatewayOptions {
  ConsumerOptions consumers;
  ProduceOptions produce;
  std::string api_key;  // if set, every request but /healthz must carry it in x-api-key
  // Kinesis (POST / with X-Amz-Target) and the API-Gateway facade (/streams/...), when set; the
  // service must outlive the gateway.
  kinesis::Service* kinesis = nullptr;
  KinesisHttpOptions kinesis_http;
  // Where REST Proxy produce appends, when set (an external Kafka cluster: kafka::ClusterLog);
  // null = the embedded log. Must outlive the gateway.
  log::LogWriter* writer = nullptr;
  // With `writer`: the same cluster's reading side, for the v2 metadata routes (GET /topics...).
  log::LogReader* reader = nullptr;
  // With `writer`: the same cluster's administration, for the v3 topic routes.
  log::TopicAdmin* admin = nullptr;
  // With `writer`: the REST Proxy's consumers on that cluster (kafka::ClusterConsumers); null:
  // the embedded log's (ConsumerManager). Must outlive the gateway.
  ConsumerApi* cluster_consumers = nullptr;
  // The cluster id of the v3 admin routes (/v3/clusters/{id}/topics): the Kafka listener's.
  std::string cluster_id = "pinpipe";
};

class Gateway {
 public:
  Gateway(log::LogManager& log, GatewayOptions options);
  ~Gateway();
  // A source of health problems for /healthz (e.g. the sink): appends one reason per problem.
  // Runs on a reactor thread: must be quick and must not block.
  using HealthCheck = std::function<void(std::vector<std::string>& reasons)>;
  void AddHealthCheck(HealthCheck check) { health_checks_.push_back(std::move(check)); }
  // More Prometheus text for /metrics (e.g. the dashboard's lag and DAG gauges). Runs on a
  // reactor thread: must only copy prepared text.
  using MetricsSource = std::function<void(std::string& out)>;
  void AddMetricsSource(MetricsSource source) { metrics_sources_.push_back(std::move(source)); }
  // Adds every route to `router`. The gateway must outlive the server using the router.
  void RegisterRoutes(http::Router& router);
  // Stops the consumer poller; pending long polls are answered.
  void Stop();
  // Whether REST Proxy consumer instances are members of `group` (thread-safe).
  bool HasConsumerInstances(const std::string& group) const;
  // Wraps a handler in the API key check (http.api_key), for routes other parts of the
  // server add beside the gateway's (the sink's Connect-style status).
  http::Handler Guard(http::Handler h) const;
  // The REST Proxy consumer instances of `group` (ConsumerManager::GroupMembers).
  std::vector<std::string> ConsumerGroupMembers(const std::string& group) { return consumers()->GroupMembers(group); }

 private:
  ConsumerApi* consumers() const {
    return options_.cluster_consumers ? options_.cluster_consumers : consumers_.get();
  }
  void Metrics(http::Responder r) const;
  void Health(http::Responder r) const;

  log::LogManager& log_;
  GatewayOptions options_;
  log::EmbeddedLog embedded_;  // the writer when options_.writer is null
  RestProduce produce_;
  RestTopics topics_;
  RestAdmin admin_;
  std::unique_ptr<ConsumerManager> consumers_;
  std::unique_ptr<KinesisApi> kinesis_;
  std::shared_ptr<http::Metrics> http_metrics_;
  std::vector<HealthCheck> health_checks_;
  std::vector<MetricsSource> metrics_sources_;
};

}  // namespace pinpipe::gateway
