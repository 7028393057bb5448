#include "gateway/rest_admin.h"

#include <simdjson.h>

#include <memory>

#include "common/json_writer.h"

namespace pinpipe::gateway {
namespace {

constexpr std::string_view kJson = "application/json";

http::Response V3Json(int status, std::string body) {
  http::Response res;
  res.status = status;
  res.content_type = std::string(kJson);
  res.body = std::move(body);
  return res;
}

http::Response V3Error(int status, std::string_view message) {
  std::string body = "{\"error_code\":";
  AppendJsonInt(body, status);
  body += ",\"message\":";
  AppendJsonString(body, message);
  body += '}';
  return V3Json(status, std::move(body));
}

int StatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kInvalidArgument: return 422;
    case ErrorCode::kUnavailable: return 503;
    default: return 500;
  }
}

}  // namespace

RestAdmin::RestAdmin(log::LogManager& log, std::string cluster_id, log::TopicAdmin* cluster)
    : log_(log), cluster_id_(std::move(cluster_id)), cluster_(cluster), pool_(1, 16) {}

bool RestAdmin::KnownCluster(const http::Request& req, http::Responder& r) const {
  if (req.PathParam("cluster_id") == cluster_id_) return true;
  r.Send(V3Error(404, "Cluster '" + std::string(req.PathParam("cluster_id").substr(0, 64)) +
                          "' not found; this server's cluster is '" + cluster_id_ + "'."));
  return false;
}

void RestAdmin::AppendTopic(std::string& out, const log::TopicInfo& t) const {
  const std::string self = "/v3/clusters/" + cluster_id_ + "/topics/" + t.name;
  out += "{\"kind\":\"KafkaTopic\",\"metadata\":{\"self\":";
  AppendJsonString(out, self);
  out += ",\"resource_name\":";
  AppendJsonString(out, "crn:///kafka=" + cluster_id_ + "/topic=" + t.name);
  out += "},\"cluster_id\":";
  AppendJsonString(out, cluster_id_);
  out += ",\"topic_name\":";
  AppendJsonString(out, t.name);
  out += ",\"is_internal\":false,\"replication_factor\":1,\"partitions_count\":";
  AppendJsonInt(out, t.partitions);
  out += ",\"partitions\":{\"related\":";
  AppendJsonString(out, self + "/partitions");
  out += "},\"configs\":{\"related\":";
  AppendJsonString(out, self + "/configs");
  out += "}}";
}

void RestAdmin::ListClusters(const http::Request&, http::Responder r) {
  std::string body = "{\"kind\":\"KafkaClusterList\",\"metadata\":{\"self\":\"/v3/clusters\","
                     "\"next\":null},\"data\":[{\"kind\":\"KafkaCluster\",\"cluster_id\":";
  AppendJsonString(body, cluster_id_);
  body += ",\"topics\":{\"related\":";
  AppendJsonString(body, "/v3/clusters/" + cluster_id_ + "/topics");
  body += "}}]}";
  r.Send(V3Json(200, std::move(body)));
}

void RestAdmin::ListTopics(const http::Request& req, http::Responder r) {
  if (!KnownCluster(req, r)) return;
  auto answer = [this](std::vector<log::TopicInfo> topics, http::Responder& out) {
    std::string body = "{\"kind\":\"KafkaTopicList\",\"metadata\":{\"self\":";
    AppendJsonString(body, "/v3/clusters/" + cluster_id_ + "/topics");
    body += ",\"next\":null},\"data\":[";
    bool first = true;
    for (const auto& t : topics) {
      if (!first) body += ',';
      first = false;
      AppendTopic(body, t);
    }
    body += "]}";
    out.Send(V3Json(200, std::move(body)));
  };
  if (!cluster_) return answer(log_.ListTopics(), r);
  auto held = std::make_shared<http::Responder>(std::move(r));
  if (!pool_.Post([this, held, answer] {
        auto topics = cluster_->ListTopics();
        if (!topics) return held->Send(V3Error(StatusFor(topics.error().code()), topics.error().message()));
        answer(std::move(*topics), *held);
      })) {
    held->Send(V3Error(503, "Too many admin requests queued."));
  }
}

void RestAdmin::GetTopic(const http::Request& req, http::Responder r) {
  if (!KnownCluster(req, r)) return;
  if (cluster_) {
    auto held = std::make_shared<http::Responder>(std::move(r));
    if (!pool_.Post([this, held, name = std::string(req.PathParam("topic"))] {
          auto t = cluster_->LookUpTopic(name);
          if (!t && t.error().code() == ErrorCode::kNotFound) {
            return held->Send(V3Error(404, "This server does not host this topic-partition."));
          }
          if (!t) return held->Send(V3Error(StatusFor(t.error().code()), t.error().message()));
          std::string body;
          AppendTopic(body, *t);
          held->Send(V3Json(200, std::move(body)));
        })) {
      held->Send(V3Error(503, "Too many admin requests queued."));
    }
    return;
  }
  auto t = log_.GetTopic(req.PathParam("topic"));
  if (!t) return r.Send(V3Error(404, "This server does not host this topic-partition."));
  std::string body;
  AppendTopic(body, *t);
  r.Send(V3Json(200, std::move(body)));
}

void RestAdmin::CreateTopic(const http::Request& req, http::Responder r) {
  if (!KnownCluster(req, r)) return;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(req.body.data(), req.body.size()).get(root) != simdjson::SUCCESS ||
      !root.is_object()) {
    return r.Send(V3Error(400, "The request body is not a JSON object."));
  }
  std::string_view name_sv;
  if (root["topic_name"].get(name_sv) != simdjson::SUCCESS) {
    return r.Send(V3Error(422, "topic_name is required (a string)."));
  }
  int64_t partitions = log_.options().default_partitions;
  if (auto v = root["partitions_count"]; v.error() == simdjson::SUCCESS) {
    if (v.get(partitions) != simdjson::SUCCESS) {
      return r.Send(V3Error(422, "partitions_count must be an integer."));
    }
  }
  if (auto v = root["replication_factor"]; v.error() == simdjson::SUCCESS) {
    int64_t rf = 0;
    if (v.get(rf) != simdjson::SUCCESS || (rf != 1 && rf != -1)) {
      return r.Send(V3Error(422, "replication_factor must be 1: pinpipe is a single broker."));
    }
  }
  if (auto v = root["configs"]; v.error() == simdjson::SUCCESS) {
    simdjson::dom::array configs;
    if (v.get(configs) != simdjson::SUCCESS || configs.size() != 0) {
      return r.Send(V3Error(422, "per-topic configs are not supported at creation; the "
                                 "server's log.* settings apply to every topic."));
    }
  }
  if (partitions < 1 || partitions > 10000) {
    return r.Send(V3Error(422, "partitions_count must be in [1, 10000]."));
  }
  auto held = std::make_shared<http::Responder>(std::move(r));
  auto task = [this, name = std::string(name_sv), count = static_cast<int32_t>(partitions),
               held] {
    Status st = cluster_ ? cluster_->CreateTopic(name, count) : log_.CreateTopic(name, count);
    if (!st) return held->Send(V3Error(StatusFor(st.error().code()), st.error().message()));
    std::string body;
    AppendTopic(body, log::TopicInfo{name, count});
    held->Send(V3Json(201, std::move(body)));
  };
  if (!pool_.Post(std::move(task))) held->Send(V3Error(503, "Too many admin requests queued."));
}

void RestAdmin::DeleteTopic(const http::Request& req, http::Responder r) {
  if (!KnownCluster(req, r)) return;
  auto held = std::make_shared<http::Responder>(std::move(r));
  auto task = [this, name = std::string(req.PathParam("topic")), held] {
    Status st = cluster_ ? cluster_->DeleteTopic(name) : log_.DeleteTopic(name);
    if (!st && st.error().code() == ErrorCode::kNotFound) {
      return held->Send(V3Error(404, "This server does not host this topic-partition."));
    }
    if (!st) return held->Send(V3Error(StatusFor(st.error().code()), st.error().message()));
    http::Response res;
    res.status = 204;
    held->Send(std::move(res));
  };
  if (!pool_.Post(std::move(task))) held->Send(V3Error(503, "Too many admin requests queued."));
}

}  // namespace pinpipe::gateway
