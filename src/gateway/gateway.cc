#include "gateway/gateway.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>

#include "common/json_writer.h"
#include "gateway/rest_errors.h"
#include "http/metrics.h"
#include "log/offset_store.h"

namespace pinpipe::gateway {
namespace {

std::array<unsigned char, SHA256_DIGEST_LENGTH> KeyDigest(std::string_view key) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> d{};
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), d.data());
  return d;
}

}  // namespace

Gateway::Gateway(log::LogManager& log, GatewayOptions options)
    : log_(log),
      options_(std::move(options)),
      embedded_(log),
      produce_(options_.writer ? *options_.writer : embedded_, options_.produce),
      topics_(log, options_.writer ? options_.reader : nullptr, options_.writer),
      admin_(log, options_.cluster_id, options_.writer ? options_.admin : nullptr),
      consumers_(std::make_unique<ConsumerManager>(log, options_.consumers)) {
  if (options_.kinesis) kinesis_ = std::make_unique<KinesisApi>(*options_.kinesis, options_.kinesis_http);
}

Gateway::~Gateway() { Stop(); }

void Gateway::Stop() {
  consumers_->Stop();
  if (options_.cluster_consumers) options_.cluster_consumers->Stop();
  topics_.Stop();
  admin_.Stop();
  if (kinesis_) kinesis_->Stop();
}

bool Gateway::HasConsumerInstances(const std::string& group) const {
  return consumers()->HasInstances(group);
}

http::Handler Gateway::Guard(http::Handler h) const {
  if (options_.api_key.empty()) return h;
  return [key = KeyDigest(options_.api_key), h = std::move(h)](const http::Request& req, http::Responder r) {
    // Exactly one x-api-key: with two, a proxy in front and this check could each read a
    // different one.
    if (req.HeaderCount("x-api-key") > 1) {
      return r.Send(http::Response::Json(400, "{\"message\":\"Bad Request: duplicate x-api-key header\"}"));
    }
    // Digests of equal length, compared in constant time: neither the key's bytes nor its
    // length leak through the answer time.
    auto got = KeyDigest(req.Header("x-api-key"));
    if (!req.HasHeader("x-api-key") || CRYPTO_memcmp(got.data(), key.data(), key.size()) != 0) {
      return r.Send(http::Response::Json(403, "{\"message\":\"Forbidden\"}"));
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
  for (const auto& source : metrics_sources_) source(body);
  http::Response resp;
  resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
  resp.body = std::move(body);
  r.Send(std::move(resp));
}

void Gateway::Health(http::Responder r) const {
  // ok/200 while every partition takes appends and the sink lands records; otherwise
  // degraded/503 with one reason per problem, so a load balancer stops sending produce traffic
  // that would fail and an operator sees why.
  std::vector<std::string> reasons = log_.RefusingPartitions();
  for (auto& r : reasons) r = "log: " + r + " (refuses appends until restart)";
  for (const auto& check : health_checks_) check(reasons);
  if (reasons.empty()) return r.Send(http::Response::Json(200, "{\"status\":\"ok\"}"));
  std::string body = "{\"status\":\"degraded\",\"reasons\":[";
  for (size_t i = 0; i < reasons.size(); ++i) {
    if (i) body += ',';
    AppendJsonString(body, reasons[i]);
  }
  body += "]}";
  r.Send(http::Response::Json(503, std::move(body)));
}

void Gateway::RegisterRoutes(http::Router& router) {
  http_metrics_ = router.metrics();
  auto add = [&](std::string_view method, std::string_view pattern, http::Handler h) {
    router.Add(method, pattern, Guard(std::move(h)));
  };
  router.Add("GET", "/healthz", [this](const http::Request&, http::Responder r) { Health(std::move(r)); });
  add("GET", "/metrics", [this](const http::Request&, http::Responder r) { Metrics(std::move(r)); });
  // Liveness of the REST Proxy itself.
  add("GET", "/", [](const http::Request&, http::Responder r) { r.Send(RestJson(200, "{}")); });
  // POST / is also Kinesis's endpoint: requests with X-Amz-Target go there.
  add("POST", "/", [this](const http::Request& q, http::Responder r) {
    if (kinesis_ && q.HasHeader("X-Amz-Target")) return kinesis_->Handle(q, std::move(r));
    r.Send(RestJson(200, "{}"));
  });
  if (kinesis_) {
    // The API-Gateway facade (protocols.md §3).
    KinesisApi* k = kinesis_.get();
    add("GET", "/streams", [k](const http::Request& q, http::Responder r) { k->FacadeListStreams(q, std::move(r)); });
    add("GET", "/streams/{name}", [k](const http::Request& q, http::Responder r) { k->FacadeDescribeStream(q, std::move(r)); });
    add("POST", "/streams/{name}", [k](const http::Request& q, http::Responder r) { k->FacadeCreateStream(q, std::move(r)); });
    add("DELETE", "/streams/{name}", [k](const http::Request& q, http::Responder r) { k->FacadeDeleteStream(q, std::move(r)); });
    add("PUT", "/streams/{name}/record", [k](const http::Request& q, http::Responder r) { k->FacadePutRecord(q, std::move(r)); });
    add("PUT", "/streams/{name}/records", [k](const http::Request& q, http::Responder r) { k->FacadePutRecords(q, std::move(r)); });
    add("GET", "/streams/{name}/sharditerator", [k](const http::Request& q, http::Responder r) { k->FacadeShardIterator(q, std::move(r)); });
    add("GET", "/streams/{name}/records", [k](const http::Request& q, http::Responder r) { k->FacadeGetRecords(q, std::move(r)); });
  }

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

  // Topic administration (REST Proxy v3 shapes, rest_admin.h).
  RestAdmin* a = &admin_;
  const std::string topics_v3 = "/v3/clusters/{cluster_id}/topics";
  add("GET", "/v3/clusters", [a](const http::Request& q, http::Responder r) { a->ListClusters(q, std::move(r)); });
  add("GET", topics_v3, [a](const http::Request& q, http::Responder r) { a->ListTopics(q, std::move(r)); });
  add("POST", topics_v3, [a](const http::Request& q, http::Responder r) { a->CreateTopic(q, std::move(r)); });
  add("GET", topics_v3 + "/{topic}", [a](const http::Request& q, http::Responder r) { a->GetTopic(q, std::move(r)); });
  add("DELETE", topics_v3 + "/{topic}", [a](const http::Request& q, http::Responder r) { a->DeleteTopic(q, std::move(r)); });

  // Consumers.
  ConsumerApi* c = consumers();
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
