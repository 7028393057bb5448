#include "gateway/rest_topics.h"

#include <charconv>
#include <map>

#include "common/json_writer.h"
#include "gateway/rest_errors.h"

namespace pinpipe::gateway {
namespace {

void AppendPartition(std::string& out, int32_t p) {
  // One broker (id 0) leads every partition; replicas as the REST Proxy reports them.
  out += "{\"partition\":";
  AppendJsonInt(out, p);
  out += ",\"leader\":0,\"replicas\":[{\"broker\":0,\"leader\":true,\"in_sync\":true}]}";
}

std::optional<int32_t> ParsePartition(std::string_view s) {
  int32_t p = -1;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), p);
  if (ec != std::errc() || ptr != s.data() + s.size() || p < 0) return std::nullopt;
  return p;
}

enum What { kListTopics, kGetTopic, kListPartitions, kGetPartition, kGetOffsets };

}  // namespace

void RestTopics::OnCluster(const http::Request& req, http::Responder r, int what) {
  auto job = std::make_shared<http::Responder>(std::move(r));
  std::string topic(req.PathParam("topic"));
  std::string partition(req.PathParam("partition"));
  if (!pool_->Post([this, what, topic, partition, job] { ClusterAnswer(what, topic, partition, std::move(*job)); })) {
    job->Send(RestError(rest_code::kKafkaRetriable, "too many metadata requests; retry later"));
  }
}

void RestTopics::ClusterAnswer(int what, const std::string& topic, const std::string& partition,
                               http::Responder r) {
  if (what == kListTopics) {
    std::string body = "[";
    std::string last;
    for (const auto& tp : reader_->ListPartitions()) {
      if (tp.topic == last) continue;
      if (body.size() > 1) body += ',';
      AppendJsonString(body, tp.topic);
      last = tp.topic;
    }
    body += ']';
    return r.Send(RestJson(200, std::move(body)));
  }
  auto info = writer_->LookUpTopic(topic);
  if (!info) {
    if (info.error().code() == ErrorCode::kNotFound) return r.Send(RestError(rest_code::kTopicNotFound, "Topic not found."));
    return r.Send(RestError(rest_code::kKafkaError, "Kafka error: " + info.error().message()));
  }
  std::optional<int32_t> p;
  if (what == kGetPartition || what == kGetOffsets) {
    p = ParsePartition(partition);
    if (!p || *p >= info->partitions) return r.Send(RestError(rest_code::kPartitionNotFound, "Partition not found."));
  }
  std::string body;
  switch (what) {
    case kGetTopic:
    case kListPartitions:
      if (what == kGetTopic) {
        body = "{\"name\":";
        AppendJsonString(body, info->name);
        body += ",\"configs\":{},\"partitions\":";  // the cluster's configs: kafka-configs
      }
      body += '[';
      for (int32_t i = 0; i < info->partitions; ++i) {
        if (i) body += ',';
        AppendPartition(body, i);
      }
      body += ']';
      if (what == kGetTopic) body += '}';
      break;
    case kGetPartition:
      AppendPartition(body, *p);
      break;
    default: {
      auto o = reader_->Offsets({info->name, *p});
      if (!o) return r.Send(RestError(rest_code::kKafkaError, "Kafka error: " + o.error().message()));
      body = "{\"beginning_offset\":";
      AppendJsonInt(body, o->log_start_offset);
      body += ",\"end_offset\":";
      AppendJsonInt(body, o->high_watermark);
      body += '}';
    }
  }
  r.Send(RestJson(200, std::move(body)));
}

void RestTopics::ListTopics(const http::Request& req, http::Responder r) {
  if (pool_) return OnCluster(req, std::move(r), kListTopics);
  std::string body = "[";
  bool first = true;
  for (const auto& t : log_.ListTopics()) {
    if (!first) body += ',';
    first = false;
    AppendJsonString(body, t.name);
  }
  body += ']';
  r.Send(RestJson(200, std::move(body)));
}

void RestTopics::GetTopic(const http::Request& req, http::Responder r) {
  if (pool_) return OnCluster(req, std::move(r), kGetTopic);
  auto info = log_.GetTopic(req.PathParam("topic"));
  if (!info) return r.Send(RestError(rest_code::kTopicNotFound, "Topic not found."));
  const auto& o = log_.options();
  // The topic's overrides (kafka-configs --alter) win over the log's options.
  auto overrides = log_.TopicConfigOverrides(info->name).value_or(std::map<std::string, std::string>{});
  auto config = [&](const char* name, int64_t def) {
    auto it = overrides.find(name);
    return it != overrides.end() ? it->second : std::to_string(def);
  };
  std::string body = "{\"name\":";
  AppendJsonString(body, info->name);
  body += ",\"configs\":{\"cleanup.policy\":\"delete\",\"retention.ms\":";
  AppendJsonString(body, config("retention.ms", o.retention_ms));
  body += ",\"retention.bytes\":";
  AppendJsonString(body, config("retention.bytes", o.retention_bytes));
  body += ",\"segment.bytes\":";
  AppendJsonString(body, config("segment.bytes", static_cast<int64_t>(o.segment_bytes)));
  body += "},\"partitions\":[";
  for (int32_t p = 0; p < info->partitions; ++p) {
    if (p) body += ',';
    AppendPartition(body, p);
  }
  body += "]}";
  r.Send(RestJson(200, std::move(body)));
}

void RestTopics::ListPartitions(const http::Request& req, http::Responder r) {
  if (pool_) return OnCluster(req, std::move(r), kListPartitions);
  auto info = log_.GetTopic(req.PathParam("topic"));
  if (!info) return r.Send(RestError(rest_code::kTopicNotFound, "Topic not found."));
  std::string body = "[";
  for (int32_t p = 0; p < info->partitions; ++p) {
    if (p) body += ',';
    AppendPartition(body, p);
  }
  body += ']';
  r.Send(RestJson(200, std::move(body)));
}

void RestTopics::GetPartition(const http::Request& req, http::Responder r) {
  if (pool_) return OnCluster(req, std::move(r), kGetPartition);
  auto info = log_.GetTopic(req.PathParam("topic"));
  if (!info) return r.Send(RestError(rest_code::kTopicNotFound, "Topic not found."));
  auto p = ParsePartition(req.PathParam("partition"));
  if (!p || *p >= info->partitions) return r.Send(RestError(rest_code::kPartitionNotFound, "Partition not found."));
  std::string body;
  AppendPartition(body, *p);
  r.Send(RestJson(200, std::move(body)));
}

void RestTopics::GetPartitionOffsets(const http::Request& req, http::Responder r) {
  if (pool_) return OnCluster(req, std::move(r), kGetOffsets);
  auto info = log_.GetTopic(req.PathParam("topic"));
  if (!info) return r.Send(RestError(rest_code::kTopicNotFound, "Topic not found."));
  auto p = ParsePartition(req.PathParam("partition"));
  if (!p || *p >= info->partitions) return r.Send(RestError(rest_code::kPartitionNotFound, "Partition not found."));
  auto pi = log_.GetPartitionInfo(info->name, *p);
  if (!pi) return r.Send(RestError(rest_code::kPartitionNotFound, "Partition not found."));
  std::string body = "{\"beginning_offset\":";
  AppendJsonInt(body, pi->log_start_offset);
  body += ",\"end_offset\":";
  AppendJsonInt(body, pi->high_watermark);
  body += '}';
  r.Send(RestJson(200, std::move(body)));
}

void RestTopics::ListBrokers(const http::Request&, http::Responder r) {
  r.Send(RestJson(200, "{\"brokers\":[0]}"));
}

}  // namespace pinpipe::gateway
