// CreatePartitions v0-1 (`kafka-topics --alter --partitions N`): grows a topic through
// log::LogManager::AddPartitions, which is safe while producers, consumers, the REST Proxy and
// the sink use the topic. Single node: explicit replica assignments are refused. Errors and
// messages as Kafka's broker words them (ZkAdminManager/ReplicationControlManager).
#include <optional>
#include <string>
#include <vector>

#include "kafka/broker.h"
#include "kafka/errors.h"
#include "log/log_manager.h"

namespace pinpipe::kafka {

void HandleCreatePartitions(Broker& b, Request& req, Reply reply) {
  Reader r(req.body);
  struct Item {
    std::string_view name;
    int32_t count;
    bool assignments;  // a non-null assignment list was sent
  };
  std::vector<Item> items;
  int32_t n = r.ArrayLength(false);
  for (int32_t i = 0; i < n && !r.failed(); ++i) {
    Item it{r.String(false), r.I32(), false};
    int32_t assignments = r.ArrayLength(false);  // -1 = null
    it.assignments = assignments >= 0;
    for (int32_t a = 0; a < assignments && !r.failed(); ++a) {
      int32_t ids = r.ArrayLength(false);
      for (int32_t k = 0; k < ids && !r.failed(); ++k) r.I32();
    }
    items.push_back(it);
  }
  r.I32();  // timeout_ms
  const bool validate_only = r.Bool();
  if (r.failed()) return reply.Close();

  std::string body;
  Writer w(body);
  w.I32(0);  // throttle_time_ms
  w.ArrayLength(static_cast<int32_t>(items.size()), false);
  for (const Item& it : items) {
    int16_t code = err::kNone;
    std::string message;
    auto topic = b.log().GetTopic(it.name);
    if (!topic) {
      code = err::kUnknownTopicOrPartition;
      message = "This server does not host this topic-partition.";
    } else if (it.assignments) {
      code = err::kInvalidReplicaAssignment;
      message = "replica assignments are not supported: pinpipe is a single broker";
    } else if (it.count == topic->partitions) {
      code = err::kInvalidPartitions;
      message = "Topic already has " + std::to_string(topic->partitions) + " partitions.";
    } else if (it.count < topic->partitions) {
      code = err::kInvalidPartitions;
      message = "Topic currently has " + std::to_string(topic->partitions) +
                " partitions, which is higher than the requested " + std::to_string(it.count) +
                ".";
    } else if (it.count > 10000) {
      code = err::kInvalidPartitions;
      message = "number of partitions must be at most 10000";
    } else if (!validate_only) {
      Status st = b.log().AddPartitions(it.name, it.count);
      if (!st) {
        // A concurrent request may have grown it first.
        code = st.error().code() == ErrorCode::kInvalidArgument ? err::kInvalidPartitions
                                                                : err::kUnknownServerError;
        message = st.error().message();
      }
    }
    w.String(it.name, false);
    w.I16(code);
    w.NullableString(code == err::kNone ? std::nullopt : std::optional<std::string_view>(message),
                     false);
  }
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
