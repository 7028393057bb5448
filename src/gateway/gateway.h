// The HTTP gateway: every route pinpipe serves on its one HTTP port — the Kafka REST Proxy v2
// (produce, metadata, consumers), GET /healthz and GET /metrics. Later protocols (Kinesis, the
// API-Gateway facade) register here too.
#pragma once

#include <memory>
#include <string>

#include "gateway/consumer_manager.h"
#include "gateway/rest_produce.h"
#include "gateway/rest_topics.h"
#include "http/router.h"
#include "log/log_manager.h"

namespace pinpipe::gateway {

struct GatewayOptions {
  ConsumerOptions consumers;
  std::string api_key;  // if set, every request but /healthz must carry it in x-api-key
};

class Gateway {
 public:
  Gateway(log::LogManager& log, GatewayOptions options);
  ~Gateway();
  // Adds every route to `router`. The gateway must outlive the server using the router.
  void RegisterRoutes(http::Router& router);
  // Stops the consumer poller; pending long polls are answered.
  void Stop();

 private:
  http::Handler Guard(http::Handler h) const;  // API key check
  void Metrics(http::Responder r) const;

  log::LogManager& log_;
  GatewayOptions options_;
  RestProduce produce_;
  RestTopics topics_;
  std::unique_ptr<ConsumerManager> consumers_;
  std::shared_ptr<http::Metrics> http_metrics_;
};

}  // namespace pinpipe::gateway
