// AlterConfigs v0-2 (v2 flexible), the older non-incremental form: a topic's overrides become
// exactly the configs sent (those not named return to the default), validated together, all
// or none (LogManager::ReplaceTopicConfig). Runs on the executor (an fsync).
#include <string>
#include <utility>
#include <vector>

#include "kafka/broker.h"
#include "kafka/config_resources.h"
#include "log/log_manager.h"

namespace pinpipe::kafka {

void HandleAlterConfigs(Broker& b, Request& req, Reply reply) {
  const bool flex = req.header.flexible;
  Reader r(req.body);
  struct Resource {
    int8_t type;
    std::string_view name;
    std::vector<std::pair<std::string, std::string>> configs;
    bool null_value = false;
  };
  std::vector<Resource> resources;
  int32_t n = r.ArrayLength(flex);
  for (int32_t i = 0; i < n && !r.failed(); ++i) {
    Resource res{r.I8(), r.String(flex), {}};
    int32_t k = r.ArrayLength(flex);
    for (int32_t j = 0; j < k && !r.failed(); ++j) {
      std::string name(r.String(flex));
      auto value = r.NullableString(flex);
      res.null_value = res.null_value || !value;
      res.configs.emplace_back(std::move(name), std::string(value.value_or("")));
      if (flex) r.SkipTaggedFields();
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
    ConfigResult result = AlterConfigResource(res.type, res.name, [&]() -> Status {
      if (res.null_value) {
        return MakeError(ErrorCode::kInvalidArgument, "Null value not supported for topic configs");
      }
      return b.log().ReplaceTopicConfig(res.name, res.configs, validate_only);
    });
    WriteConfigResult(w, result, res.type, res.name, flex);
  }
  if (flex) w.EmptyTaggedFields();
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
