// DeleteTopics v1-3 (`kafka-topics --delete`): removes each topic through
// log::LogManager::DeleteTopic (its data, directories and committed offsets; producers,
// consumers, the REST Proxy and the sink then get UNKNOWN_TOPIC_OR_PARTITION). With
// kafka.delete_topic_enable=false (Kafka's delete.topic.enable) an existing topic is answered
// TOPIC_DELETION_DISABLED; an unknown one is UNKNOWN_TOPIC_OR_PARTITION either way. Runs on
// the executor (Broker::IsBlocking): deletion renames directories and fsyncs.
#include "kafka/broker.h"
#include "kafka/errors.h"
#include "log/log_manager.h"

namespace pinpipe::kafka {

void HandleDeleteTopics(Broker& b, Request& req, Reply reply) {
  Reader r(req.body);
  std::vector<std::string_view> names;
  int32_t n = r.ArrayLength(false);
  for (int32_t i = 0; i < n && !r.failed(); ++i) names.push_back(r.String(false));
  r.I32();  // timeout_ms
  if (r.failed()) return reply.Close();
  std::string body;
  Writer w(body);
  w.I32(0);
  w.ArrayLength(static_cast<int32_t>(names.size()), false);
  for (std::string_view name : names) {
    int16_t code = err::kNone;
    if (!b.log().GetTopic(name)) {
      code = err::kUnknownTopicOrPartition;
    } else if (!b.options().delete_topic_enable) {
      code = err::kTopicDeletionDisabled;
    } else if (Status st = b.log().DeleteTopic(name); !st) {
      // A concurrent request may have deleted it first.
      code = st.error().code() == ErrorCode::kNotFound ? err::kUnknownTopicOrPartition
                                                       : err::kUnknownServerError;
    }
    w.String(name, false);
    w.I16(code);
  }
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
