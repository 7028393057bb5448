// CreateTopics v0-4. Single node: replication factor must be 1 or -1 (the default); explicit
// replica assignments are refused. num_partitions -1 means log.default_partitions. Configs
// (`kafka-topics --create --config retention.ms=...`) are validated before the topic is made
// (INVALID_CONFIG with the reason, nothing created) and stored as its overrides after.
#include <string>
#include <utility>
#include <vector>

#include "kafka/broker.h"
#include "kafka/errors.h"
#include "log/log_manager.h"
#include "log/topic_configs.h"

namespace pinpipe::kafka {

namespace {

Status ValidateConfigs(const std::vector<std::pair<std::string, std::optional<std::string>>>& configs) {
  for (const auto& [name, value] : configs) {
    PINPIPE_RETURN_IF_ERROR(log::ValidateTopicConfig(name, value));
  }
  return OkStatus();
}

}  // namespace

void HandleCreateTopics(Broker& b, Request& req, Reply reply) {
  const int16_t v = req.header.api_version;
  Reader r(req.body);
  struct Item {
    std::string_view name;
    int32_t partitions;
    int16_t replication;
    int32_t assignments;
    std::vector<std::pair<std::string, std::optional<std::string>>> configs;
  };
  std::vector<Item> items;
  int32_t n = r.ArrayLength(false);
  for (int32_t i = 0; i < n && !r.failed(); ++i) {
    Item it{r.String(false), r.I32(), r.I16(), 0, {}};
    it.assignments = r.ArrayLength(false);
    for (int32_t a = 0; a < it.assignments && !r.failed(); ++a) {
      r.I32();
      int32_t ids = r.ArrayLength(false);
      for (int32_t k = 0; k < ids && !r.failed(); ++k) r.I32();
    }
    int32_t configs = r.ArrayLength(false);
    for (int32_t c = 0; c < configs && !r.failed(); ++c) {
      std::string name(r.String(false));
      auto value = r.NullableString(false);
      it.configs.emplace_back(std::move(name),
                              value ? std::optional<std::string>(*value) : std::nullopt);
    }
    items.push_back(it);
  }
  r.I32();  // timeout_ms
  bool validate_only = v >= 1 ? r.Bool() : false;
  if (r.failed()) return reply.Close();

  std::string body;
  Writer w(body);
  if (v >= 2) w.I32(0);
  w.ArrayLength(static_cast<int32_t>(items.size()), false);
  for (const Item& it : items) {
    int16_t code = err::kNone;
    std::string message;
    int32_t partitions = it.partitions == -1 ? b.log().options().default_partitions : it.partitions;
    if (!log::IsValidTopicName(it.name)) {
      code = err::kInvalidTopic;
      message = "invalid topic name";
    } else if (it.replication != -1 && it.replication != 1) {
      code = err::kInvalidReplicationFactor;
      message = "replication factor must be 1: pinpipe is a single broker";
    } else if (it.assignments > 0) {
      code = err::kInvalidRequest;
      message = "replica assignments are not supported";
    } else if (partitions < 1 || partitions > 10000) {
      code = err::kInvalidPartitions;
      message = "number of partitions must be in 1..10000";
    } else if (Status st = ValidateConfigs(it.configs); !st) {
      code = err::kInvalidConfig;
      message = st.error().message();
    } else if (b.log().GetTopic(it.name)) {
      code = err::kTopicAlreadyExists;
      message = "Topic '" + std::string(it.name) + "' already exists.";
    } else if (!validate_only) {
      Status st = b.log().CreateTopic(it.name, partitions);
      if (st && !it.configs.empty()) {
        std::vector<std::pair<std::string, std::string>> configs;
        for (const auto& [name, value] : it.configs) configs.emplace_back(name, *value);
        st = b.log().ReplaceTopicConfig(it.name, configs, false);
      }
      if (!st) {
        code = st.error().code() == ErrorCode::kAlreadyExists ? err::kTopicAlreadyExists
                                                              : err::kUnknownServerError;
        message = st.error().message();
      }
    }
    w.String(it.name, false);
    w.I16(code);
    if (v >= 1) {
      w.NullableString(code == err::kNone ? std::nullopt : std::optional<std::string_view>(message),
                       false);
    }
  }
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
