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

}  // namespace

void RestTopics::ListTopics(const http::Request&, http::Responder r) {
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
  auto info = log_.GetTopic(req.PathParam("topic"));
  if (!info) return r.Send(RestError(rest_code::kTopicNotFound, "Topic not found."));
  auto p = ParsePartition(req.PathParam("partition"));
  if (!p || *p >= info->partitions) return r.Send(RestError(rest_code::kPartitionNotFound, "Partition not found."));
  std::string body;
  AppendPartition(body, *p);
  r.Send(RestJson(200, std::move(body)));
}

void RestTopics::GetPartitionOffsets(const http::Request& req, http::Responder r) {
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
