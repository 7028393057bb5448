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
  ConfigChangeRequest<log::ConfigChange> parsed;
  Reader r(req.body);
  const bool ok = ReadConfigChangeRequest(r, flex, [flex](Reader& in, log::ConfigChange& c) {
    c.name = std::string(in.String(flex));
    c.op = static_cast<log::ConfigOp>(in.I8());
    if (auto value = in.NullableString(flex)) c.value = std::string(*value);
  }, parsed);
  if (!ok) return reply.Close();
  reply.Send(ConfigChangeResponse(parsed, flex, [&](const auto& res) {
    return b.log().AlterTopicConfig(res.name, res.entries, parsed.validate_only);
  }));
}

}  // namespace pinpipe::kafka
