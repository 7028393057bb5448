#include "gateway/gateway.h"

#include "gateway/rest_errors.h"
#include "http/metrics.h"
#include "log/offset_store.h"

namespace pinpipe::gateway {

Gateway::Gateway(log::LogManager& log, GatewayOptions options)
    : log_(log),
      options_(std::move(options)),
      produce_(log),
      topics_(log),
      consumers_(std::make_unique<ConsumerManager>(log, options_.consumers)) {}

Gateway::~Gateway() { Stop(); }

void Gateway::Stop() { consumers_->Stop(); }

http::Handler Gateway::Guard(http::Handler h) const {
  if (options_.api_key.empty()) return h;
  return [key = options_.api_key, h = std::move(h)](const http::Request& req, http::Responder r) {
    if (req.Header("x-api-key") != key) {
      http::Response resp = http::Response::Json(403, "{\"message\":\"Forbidden\"}");
      return r.Send(std::move(resp));
    }
    h(req, std::move(r));
  };
}

void Gateway::Metrics(http::Responder r) const {
  std::string body;
  body.reserve(16384);
  if (http_metrics_) http_metrics_->RenderPrometheus(&body);
  log_.RenderPrometheus(body);
  log_.offsets().RenderPrometheus(body);
  body += "# HELP pinpipe_rest_consumer_instances REST Proxy consumer instances alive.\n";
  body += "# TYPE pinpipe_rest_consumer_instances gauge\n";
  body += "pinpipe_rest_consumer_instances " + std::to_string(consumers_->instance_count()) + "\n";
  http::Response resp;
  resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
  resp.body = std::move(body);
  r.Send(std::move(resp));
}

void Gateway::RegisterRoutes(http::Router& router) {
  http_metrics_ = router.metrics();
  auto add = [&](std::string_view method, std::string_view pattern, http::Handler h) {
    router.Add(method, pattern, Guard(std::move(h)));
  };
  router.Add("GET", "/healthz", [](const http::Request&, http::Responder r) {
    r.Send(http::Response::Json(200, "{\"status\":\"ok\"}"));
  });
  add("GET", "/metrics", [this](const http::Request&, http::Responder r) { Metrics(std::move(r)); });
  // Liveness of the REST Proxy itself.
  add("GET", "/", [](const http::Request&, http::Responder r) { r.Send(RestJson(200, "{}")); });
  add("POST", "/", [](const http::Request&, http::Responder r) { r.Send(RestJson(200, "{}")); });

  // Produce and metadata.
  add("POST", "/topics/{topic}", [this](const http::Request& q, http::Responder r) {
    produce_.Handle(q, std::move(r), std::nullopt);
  });
  add("POST", "/topics/{topic}/partitions/{partition}", [this](const http::Request& q, http::Responder r) {
    produce_.Handle(q, std::move(r), q.PathParam("partition"));
  });
  add("GET", "/topics", [this](const http::Request& q, http::Responder r) { topics_.ListTopics(q, std::move(r)); });
  add("GET", "/topics/{topic}", [this](const http::Request& q, http::Responder r) { topics_.GetTopic(q, std::move(r)); });
  add("GET", "/topics/{topic}/partitions", [this](const http::Request& q, http::Responder r) {
    topics_.ListPartitions(q, std::move(r));
  });
  add("GET", "/topics/{topic}/partitions/{partition}", [this](const http::Request& q, http::Responder r) {
    topics_.GetPartition(q, std::move(r));
  });
  add("GET", "/topics/{topic}/partitions/{partition}/offsets", [this](const http::Request& q, http::Responder r) {
    topics_.GetPartitionOffsets(q, std::move(r));
  });
  add("GET", "/brokers", [this](const http::Request& q, http::Responder r) { topics_.ListBrokers(q, std::move(r)); });

  // Consumers.
  ConsumerManager* c = consumers_.get();
  const std::string inst = "/consumers/{group}/instances/{instance}";
  add("POST", "/consumers/{group}", [c](const http::Request& q, http::Responder r) { c->Create(q, std::move(r)); });
  add("DELETE", inst, [c](const http::Request& q, http::Responder r) { c->Delete(q, std::move(r)); });
  add("POST", inst + "/subscription", [c](const http::Request& q, http::Responder r) { c->Subscribe(q, std::move(r)); });
  add("GET", inst + "/subscription", [c](const http::Request& q, http::Responder r) { c->GetSubscription(q, std::move(r)); });
  add("DELETE", inst + "/subscription", [c](const http::Request& q, http::Responder r) { c->Unsubscribe(q, std::move(r)); });
  add("POST", inst + "/assignments", [c](const http::Request& q, http::Responder r) { c->Assign(q, std::move(r)); });
  add("GET", inst + "/assignments", [c](const http::Request& q, http::Responder r) { c->GetAssignments(q, std::move(r)); });
  add("POST", inst + "/positions", [c](const http::Request& q, http::Responder r) { c->Seek(q, std::move(r)); });
  add("POST", inst + "/positions/beginning", [c](const http::Request& q, http::Responder r) { c->SeekBeginning(q, std::move(r)); });
  add("POST", inst + "/positions/end", [c](const http::Request& q, http::Responder r) { c->SeekEnd(q, std::move(r)); });
  add("POST", inst + "/offsets", [c](const http::Request& q, http::Responder r) { c->CommitOffsets(q, std::move(r)); });
  add("GET", inst + "/offsets", [c](const http::Request& q, http::Responder r) { c->GetOffsets(q, std::move(r)); });
  add("GET", inst + "/records", [c](const http::Request& q, http::Responder r) { c->Records(q, std::move(r)); });
}

}  // namespace pinpipe::gateway
