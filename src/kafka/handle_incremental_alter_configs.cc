// IncrementalAlterConfigs v0-1 (v1 flexible): SET / DELETE of a topic's retention.ms,
// retention.bytes and segment.bytes (`kafka-configs --alter --add-config/--delete-config`).
// Each resource's changes are validated together and apply all or none
// (LogManager::AlterTopicConfig: durable and in force when answered). APPEND / SUBTRACT and
// every other name are INVALID_CONFIG with the reason. Runs on the executor (an fsync).
#include <string>
#include <vector>

#include "kafka/broker.h"
#include "kafka/config_resources.h"
#include "log/log_manager.h"
#include "log/topic_configs.h"

namespace pinpipe::kafka {

void HandleIncrementalAlterConfigs(Broker& b, Request& req, Reply reply) {
  const bool flex = req.header.flexible;
  Reader r(req.body);
  struct Resource {
    int8_t type;
    std::string_view name;
    std::vector<log::ConfigChange> changes;
  };
  std::vector<Resource> resources;
  int32_t n = r.ArrayLength(flex);
  for (int32_t i = 0; i < n && !r.failed(); ++i) {
    Resource res{r.I8(), r.String(flex), {}};
    int32_t k = r.ArrayLength(flex);
    for (int32_t j = 0; j < k && !r.failed(); ++j) {
      log::ConfigChange c;
      c.name = std::string(r.String(flex));
      c.op = static_cast<log::ConfigOp>(r.I8());
      if (auto value = r.NullableString(flex)) c.value = std::string(*value);
      if (flex) r.SkipTaggedFields();
      res.changes.push_back(std::move(c));
    }
    if (flex) r.SkipTaggedFields();
    resources.push_back(std::move(res));
  }
  const bool validate_only = r.Bool();
  if (flex) r.SkipTaggedFields();
  if (r.failed()) return reply.Close();

  std::string body;
  Writer w(body);
  w.I32(0);  // throttle_time_ms
  w.ArrayLength(static_cast<int32_t>(resources.size()), flex);
  for (const Resource& res : resources) {
    ConfigResult result = AlterConfigResource(res.type, res.name, [&] {
      return b.log().AlterTopicConfig(res.name, res.changes, validate_only);
    });
    WriteConfigResult(w, result, res.type, res.name, flex);
  }
  if (flex) w.EmptyTaggedFields();
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
