// DescribeConfigs v1-2 for topics (the settings pinpipe has: retention, segment size, the
// message size limit) and the broker. Everything is read-only and a default.
#include <string>
#include <utility>
#include <vector>

#include "kafka/broker.h"
#include "kafka/errors.h"
#include "log/log_manager.h"

namespace pinpipe::kafka {

void HandleDescribeConfigs(Broker& b, Request& req, Reply reply) {
  Reader r(req.body);
  struct Resource {
    int8_t type;
    std::string_view name;
    std::vector<std::string_view> keys;
    bool all_keys;
  };
  std::vector<Resource> resources;
  int32_t n = r.ArrayLength(false);
  for (int32_t i = 0; i < n && !r.failed(); ++i) {
    Resource res{r.I8(), r.String(false), {}, false};
    int32_t k = r.ArrayLength(false);
    res.all_keys = k < 0;
    for (int32_t j = 0; j < k && !r.failed(); ++j) res.keys.push_back(r.String(false));
    resources.push_back(std::move(res));
  }
  r.Bool();  // include_synonyms
  if (r.failed()) return reply.Close();

  const auto& lo = b.log().options();
  const std::vector<std::pair<std::string, std::string>> topic_configs = {
      {"cleanup.policy", "delete"},
      {"compression.type", "producer"},
      {"max.message.bytes", std::to_string(b.options().message_max_bytes)},
      {"retention.bytes", std::to_string(lo.retention_bytes)},
      {"retention.ms", std::to_string(lo.retention_ms)},
      {"segment.bytes", std::to_string(lo.segment_bytes)},
  };
  const std::vector<std::pair<std::string, std::string>> broker_configs = {
      {"auto.create.topics.enable", lo.auto_create ? "true" : "false"},
      {"message.max.bytes", std::to_string(b.options().message_max_bytes)},
      {"num.partitions", std::to_string(lo.default_partitions)},
      {"socket.request.max.bytes", std::to_string(b.options().socket_request_max_bytes)},
  };

  std::string body;
  Writer w(body);
  w.I32(0);
  w.ArrayLength(static_cast<int32_t>(resources.size()), false);
  for (const Resource& res : resources) {
    int16_t code = err::kNone;
    const std::vector<std::pair<std::string, std::string>>* configs = nullptr;
    if (res.type == 2) {  // TOPIC
      if (b.log().GetTopic(res.name)) {
        configs = &topic_configs;
      } else {
        code = err::kUnknownTopicOrPartition;
      }
    } else if (res.type == 4) {  // BROKER
      configs = &broker_configs;
    } else {
      code = err::kInvalidRequest;
    }
    w.I16(code);
    w.NullableString(code == err::kNone ? std::nullopt : std::optional<std::string_view>("unknown resource"),
                     false);
    w.I8(res.type);
    w.String(res.name, false);
    std::vector<const std::pair<std::string, std::string>*> selected;
    if (configs) {
      for (const auto& c : *configs) {
        bool wanted = res.all_keys;
        for (auto k : res.keys) wanted = wanted || k == c.first;
        if (wanted) selected.push_back(&c);
      }
    }
    w.ArrayLength(static_cast<int32_t>(selected.size()), false);
    for (const auto* c : selected) {
      w.String(c->first, false);
      w.NullableString(c->second, false);
      w.Bool(true);  // read_only
      w.I8(5);       // config_source: DEFAULT_CONFIG
      w.Bool(false);  // is_sensitive
      w.ArrayLength(0, false);  // synonyms
    }
  }
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
