// Metadata v0-4 (kafka.md §2.9): this broker is every partition's leader, replica and ISR. v0:
// an empty topic list means all topics; v1+: null means all. Unknown topics are created when
// the request allows it (v4's flag; broker policy before) and the log auto-creates.
#include <vector>

#include "kafka/broker.h"
#include "kafka/errors.h"
#include "log/log_manager.h"

namespace pinpipe::kafka {

void HandleMetadata(Broker& b, Request& req, Reply reply) {
  const int16_t v = req.header.api_version;
  Reader r(req.body);
  int32_t n = r.ArrayLength(false);
  std::vector<std::string_view> names;
  bool all = (n < 0) || (v == 0 && n == 0);
  for (int32_t i = 0; i < n && !r.failed(); ++i) names.push_back(r.String(false));
  bool allow_auto = v >= 4 ? r.Bool() : true;
  if (r.failed()) return reply.Close();
  allow_auto = allow_auto && b.log().options().auto_create;

  std::string body;
  Writer w(body);
  if (v >= 3) w.I32(0);  // throttle_time_ms
  w.ArrayLength(1, false);  // brokers
  w.I32(b.options().node_id);
  w.String(b.advertised_host(), false);
  w.I32(b.advertised_port());
  if (v >= 1) w.NullableString(std::nullopt, false);  // rack
  if (v >= 2) w.NullableString(b.options().cluster_id, false);
  if (v >= 1) w.I32(b.options().node_id);  // controller_id

  auto write_topic = [&](std::string_view name, int16_t error, int32_t partitions) {
    w.I16(error);
    w.String(name, false);
    if (v >= 1) w.Bool(false);  // is_internal
    w.ArrayLength(partitions, false);
    for (int32_t p = 0; p < partitions; ++p) {
      w.I16(err::kNone);
      w.I32(p);
      w.I32(b.options().node_id);  // leader
      w.ArrayLength(1, false);
      w.I32(b.options().node_id);  // replicas
      w.ArrayLength(1, false);
      w.I32(b.options().node_id);  // isr
    }
  };
  if (all) {
    auto topics = b.log().ListTopics();
    w.ArrayLength(static_cast<int32_t>(topics.size()), false);
    for (const auto& t : topics) write_topic(t.name, err::kNone, t.partitions);
  } else {
    w.ArrayLength(static_cast<int32_t>(names.size()), false);
    for (std::string_view name : names) {
      if (!log::IsValidTopicName(name)) {
        write_topic(name, err::kInvalidTopic, 0);
        continue;
      }
      auto t = allow_auto ? b.log().GetOrCreateTopic(name) : b.log().GetTopic(name);
      if (t) {
        write_topic(name, err::kNone, t->partitions);
      } else {
        write_topic(name, err::kUnknownTopicOrPartition, 0);
      }
    }
  }
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
