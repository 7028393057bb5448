// AlterConfigs v0-2 (v2 flexible), the older non-incremental form: a topic's overrides become
// exactly the configs sent (those not named return to the default), validated together, all
// or none (LogManager::ReplaceTopicConfig). Runs on the executor (an fsync).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kafka/broker.h"
#include "kafka/config_resources.h"
#include "log/log_manager.h"

namespace pinpipe::kafka {

void HandleAlterConfigs(Broker& b, Request& req, Reply reply) {
  const bool flex = req.header.flexible;
  struct Entry {
    std::string name;
    std::optional<std::string_view> value;  // null is refused for topic configs
  };
  ConfigChangeRequest<Entry> parsed;
  Reader r(req.body);
  const bool ok = ReadConfigChangeRequest(r, flex, [flex](Reader& in, Entry& e) {
    e.name = std::string(in.String(flex));
    e.value = in.NullableString(flex);
  }, parsed);
  if (!ok) return reply.Close();
  reply.Send(ConfigChangeResponse(parsed, flex, [&](const auto& res) -> Status {
    std::vector<std::pair<std::string, std::string>> configs;
    for (const Entry& e : res.entries) {
      if (!e.value) return MakeError(ErrorCode::kInvalidArgument, "Null value not supported for topic configs");
      configs.emplace_back(e.name, std::string(*e.value));
    }
    return b.log().ReplaceTopicConfig(res.name, configs, parsed.validate_only);
  }));
}

}  // namespace pinpipe::kafka
