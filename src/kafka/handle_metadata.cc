// Metadata v0-12 (kafka.md §2.9): this broker is every partition's leader, replica and ISR. v0:
// an empty topic list means all topics; v1+: null means all. Unknown topics are created when
// the request allows it (v4's flag; broker policy before) and the log auto-creates.
// v9+ flexible; v10+ every topic carries its topic ID (log::TopicInfo::uuid, KIP-516) and a
// request may name topics by id: an id no topic has (one deleted, or deleted and created
// again under its name) is UNKNOWN_TOPIC_ID with a null name (v12) — the client learns the
// new id from a lookup by name. v12 names may be null (lookups by id only).
#include <cstring>
#include <optional>
#include <vector>

#include "kafka/broker.h"
#include "kafka/errors.h"
#include "log/log_manager.h"

namespace pinpipe::kafka {
namespace {

constexpr int32_t kNoAuthorizedOperations = INT32_MIN;  // "not requested"

log::TopicUuid ReadUuid(Reader& r) {
  log::TopicUuid id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(r.I8());
  return id;
}

void WriteUuid(Writer& w, const log::TopicUuid& id) {
  for (uint8_t b : id) w.I8(static_cast<int8_t>(b));
}

struct Wanted {
  std::optional<std::string_view> name;
  log::TopicUuid id{};
};

}  // namespace

void HandleMetadata(Broker& b, Request& req, Reply reply) {
  const int16_t v = req.header.api_version;
  const bool flex = v >= 9;
  Reader r(req.body);
  int32_t n = r.ArrayLength(flex);
  std::vector<Wanted> wanted;
  bool all = (n < 0) || (v == 0 && n == 0);
  for (int32_t i = 0; i < n && !r.failed(); ++i) {
    Wanted t;
    if (v >= 10) {
      t.id = ReadUuid(r);
      t.name = r.NullableString(flex);
    } else {
      t.name = r.String(flex);
    }
    if (flex) r.SkipTaggedFields();
    wanted.push_back(t);
  }
  bool allow_auto = v >= 4 ? r.Bool() : true;
  if (v >= 8 && v <= 10) r.Bool();  // include_cluster_authorized_operations
  if (v >= 8) r.Bool();             // include_topic_authorized_operations
  if (flex) r.SkipTaggedFields();
  if (r.failed()) return reply.Close();
  allow_auto = allow_auto && b.log().options().auto_create;

  std::string body;
  Writer w(body);
  if (v >= 3) w.I32(0);  // throttle_time_ms
  w.ArrayLength(1, flex);  // brokers
  w.I32(b.options().node_id);
  w.String(b.advertised_host(), flex);
  w.I32(b.advertised_port());
  if (v >= 1) w.NullableString(std::nullopt, flex);  // rack
  if (flex) w.EmptyTaggedFields();
  if (v >= 2) w.NullableString(b.options().cluster_id, flex);
  if (v >= 1) w.I32(b.options().node_id);  // controller_id

  auto write_topic = [&](std::optional<std::string_view> name, const log::TopicUuid& id,
                         int16_t error, int32_t partitions) {
    w.I16(error);
    if (v >= 12) {
      w.NullableString(name, flex);
    } else {
      w.String(name.value_or(""), flex);
    }
    if (v >= 10) WriteUuid(w, id);
    if (v >= 1) w.Bool(false);  // is_internal
    w.ArrayLength(partitions, flex);
    for (int32_t p = 0; p < partitions; ++p) {
      w.I16(err::kNone);
      w.I32(p);
      w.I32(b.options().node_id);  // leader
      if (v >= 7) w.I32(kLeaderEpoch);
      w.ArrayLength(1, flex);
      w.I32(b.options().node_id);  // replicas
      w.ArrayLength(1, flex);
      w.I32(b.options().node_id);  // isr
      if (v >= 5) w.ArrayLength(0, flex);  // offline_replicas
      if (flex) w.EmptyTaggedFields();
    }
    if (v >= 8) w.I32(kNoAuthorizedOperations);
    if (flex) w.EmptyTaggedFields();
  };
  if (all) {
    auto topics = b.log().ListTopics();
    w.ArrayLength(static_cast<int32_t>(topics.size()), flex);
    for (const auto& t : topics) write_topic(t.name, t.uuid, err::kNone, t.partitions);
  } else {
    w.ArrayLength(static_cast<int32_t>(wanted.size()), flex);
    std::optional<std::vector<log::TopicInfo>> listed;  // for lookups by id
    for (const Wanted& want : wanted) {
      if (want.id != log::TopicUuid{}) {
        if (!listed) listed = b.log().ListTopics();
        const log::TopicInfo* found = nullptr;
        for (const auto& t : *listed) {
          if (t.uuid == want.id) found = &t;
        }
        if (found == nullptr) {
          write_topic(std::nullopt, want.id, err::kUnknownTopicId, 0);
        } else {
          write_topic(found->name, found->uuid, err::kNone, found->partitions);
        }
        continue;
      }
      if (!want.name) {  // neither an id nor a name
        write_topic(std::nullopt, {}, err::kInvalidRequest, 0);
        continue;
      }
      std::string_view name = *want.name;
      if (!log::IsValidTopicName(name)) {
        write_topic(name, {}, err::kInvalidTopic, 0);
        continue;
      }
      auto t = allow_auto ? b.log().GetOrCreateTopic(name) : b.log().GetTopic(name);
      if (t) {
        write_topic(name, t->uuid, err::kNone, t->partitions);
      } else {
        write_topic(name, {}, err::kUnknownTopicOrPartition, 0);
      }
    }
  }
  if (v >= 8 && v <= 10) w.I32(kNoAuthorizedOperations);  // cluster_authorized_operations
  if (flex) w.EmptyTaggedFields();
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
