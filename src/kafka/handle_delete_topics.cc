// DeleteTopics v1-3. The log never removes a topic (readers keep pointers to it), so an
// existing topic is answered TOPIC_DELETION_DISABLED — Kafka's answer with
// delete.topic.enable=false — and an unknown one UNKNOWN_TOPIC_OR_PARTITION.
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
    w.String(name, false);
    w.I16(b.log().GetTopic(name) ? err::kTopicDeletionDisabled : err::kUnknownTopicOrPartition);
  }
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
