// DescribeConfigs v1-4 (v4 flexible; v3 adds each config's type and documentation) for topics
// and the broker. A topic's retention.ms, retention.bytes and segment.bytes show its override
// (source TOPIC_CONFIG, shown by the Java tools as DYNAMIC_TOPIC_CONFIG) or the log's option
// (DEFAULT_CONFIG); with include_synonyms, each lists the broker default it comes from as
// Kafka 4.4 does (an override first, then e.g. DEFAULT_CONFIG:log.segment.bytes; retention.ms
// has none, as Kafka's log.retention.ms is unset by default). Those three are alterable
// (IncrementalAlterConfigs, AlterConfigs); every other config is read-only.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kafka/broker.h"
#include "kafka/errors.h"
#include "log/log_manager.h"
#include "log/topic_configs.h"

namespace pinpipe::kafka {
namespace {

// Kafka's DescribeConfigsResponse.ConfigSource and ConfigType ids.
constexpr int8_t kTopicConfig = 1;
constexpr int8_t kDefaultConfig = 5;
enum ConfigType : int8_t { kBoolean = 1, kString = 2, kInt = 3, kLong = 5, kList = 7 };

struct Entry {
  std::string name, value;
  int8_t type;
  bool read_only = true;
  std::string default_value;      // what it is without the override
  bool overridden = false;
  std::string_view synonym;       // the broker config it defaults from (empty: none listed)
};

// A read-only config that is always its default.
Entry Fixed(std::string name, std::string value, int8_t type, std::string_view synonym = {}) {
  return Entry{std::move(name), value, type, true, value, false, synonym};
}

constexpr int8_t kResourceTopic = 2;
constexpr int8_t kResourceBroker = 4;

}  // namespace

void HandleDescribeConfigs(Broker& b, Request& req, Reply reply) {
  const int16_t v = req.header.api_version;
  const bool flex = req.header.flexible;
  Reader r(req.body);
  struct Resource {
    int8_t type;
    std::string_view name;
    std::vector<std::string_view> keys;
    bool all_keys;
  };
  std::vector<Resource> resources;
  int32_t n = r.ArrayLength(flex);
  for (int32_t i = 0; i < n && !r.failed(); ++i) {
    Resource res{r.I8(), r.String(flex), {}, false};
    int32_t k = r.ArrayLength(flex);
    res.all_keys = k < 0;
    for (int32_t j = 0; j < k && !r.failed(); ++j) res.keys.push_back(r.String(flex));
    if (flex) r.SkipTaggedFields();
    resources.push_back(std::move(res));
  }
  const bool synonyms = r.Bool();  // include_synonyms (v1+)
  if (v >= 3) r.Bool();            // include_documentation: pinpipe sends none
  if (flex) r.SkipTaggedFields();
  if (r.failed()) return reply.Close();

  const auto& lo = b.log().options();
  const std::vector<Entry> broker_configs = {
      Fixed("auto.create.topics.enable", lo.auto_create ? "true" : "false", kBoolean),
      Fixed("message.max.bytes", std::to_string(b.options().message_max_bytes), kInt),
      Fixed("num.partitions", std::to_string(lo.default_partitions), kInt),
      Fixed("socket.request.max.bytes", std::to_string(b.options().socket_request_max_bytes), kInt),
  };

  std::string body;
  Writer w(body);
  w.I32(0);
  w.ArrayLength(static_cast<int32_t>(resources.size()), flex);
  for (const Resource& res : resources) {
    int16_t code = err::kNone;
    std::string message;
    std::vector<Entry> configs;
    if (res.type == kResourceTopic) {
      auto overrides = b.log().TopicConfigOverrides(res.name);
      if (overrides) {
        auto alterable = [&](std::string name, int64_t def, int8_t type) {
          std::string_view synonym = name == log::kRetentionMs ? "" : log::BrokerSynonym(name);
          Entry e{std::move(name), std::to_string(def), type, false, std::to_string(def), false,
                  synonym};
          if (auto it = overrides->find(e.name); it != overrides->end()) {
            e.value = it->second;
            e.overridden = true;
          }
          return e;
        };
        configs = {
            Fixed("cleanup.policy", "delete", kList, "log.cleanup.policy"),
            Fixed("compression.type", "producer", kString, "compression.type"),
            Fixed("max.message.bytes", std::to_string(b.options().message_max_bytes), kInt,
                  "message.max.bytes"),
            alterable(std::string(log::kRetentionBytes), lo.retention_bytes, kLong),
            alterable(std::string(log::kRetentionMs), lo.retention_ms, kLong),
            alterable(std::string(log::kSegmentBytes), static_cast<int64_t>(lo.segment_bytes), kInt),
        };
      } else {
        code = err::kUnknownTopicOrPartition;
        message = "The topic '" + std::string(res.name) + "' does not exist.";
      }
    } else if (res.type == kResourceBroker) {
      configs = broker_configs;
    } else {
      code = err::kInvalidRequest;
      message = "pinpipe describes topic (2) and broker (4) configs only, not resource type " +
                std::to_string(res.type);
    }
    w.I16(code);
    w.NullableString(code == err::kNone ? std::nullopt : std::optional<std::string_view>(message),
                     flex);
    w.I8(res.type);
    w.String(res.name, flex);
    std::vector<const Entry*> selected;
    for (const auto& c : configs) {
      bool wanted = res.all_keys;
      for (auto k : res.keys) wanted = wanted || k == c.name;
      if (wanted) selected.push_back(&c);
    }
    w.ArrayLength(static_cast<int32_t>(selected.size()), flex);
    for (const Entry* c : selected) {
      w.String(c->name, flex);
      w.NullableString(c->value, flex);
      w.Bool(c->read_only);
      w.I8(c->overridden ? kTopicConfig : kDefaultConfig);
      w.Bool(false);  // is_sensitive
      // Synonyms, most specific first: the override, then the broker default it shadows.
      std::vector<std::tuple<std::string_view, std::string_view, int8_t>> syn;
      if (synonyms) {
        if (c->overridden) syn.emplace_back(c->name, c->value, kTopicConfig);
        if (!c->synonym.empty()) syn.emplace_back(c->synonym, c->default_value, kDefaultConfig);
      }
      w.ArrayLength(static_cast<int32_t>(syn.size()), flex);
      for (const auto& [name, value, source] : syn) {
        w.String(name, flex);
        w.NullableString(value, flex);
        w.I8(source);
        if (flex) w.EmptyTaggedFields();
      }
      if (v >= 3) {
        w.I8(c->type);
        w.NullableString(std::nullopt, flex);  // documentation
      }
      if (flex) w.EmptyTaggedFields();
    }
    if (flex) w.EmptyTaggedFields();
  }
  if (flex) w.EmptyTaggedFields();
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
