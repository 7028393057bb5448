// The "consumer" protocol type's embedded bytes (Kafka's ConsumerProtocol): the Subscription a
// member sends in JoinGroup's protocol metadata and the Assignment the leader hands out in
// SyncGroup. Big-endian, classic (non-flexible) encoding; see ../../shared/reference/kafka.md.
//   Subscription v0: version i16, topics [string], user_data bytes (v1 adds owned partitions,
//                    v2 a generation, v3 a rack: decoding reads the topics and ignores the rest)
//   Assignment   v0: version i16, [topic string, partitions [i32]], user_data bytes
// Members that pinpipe itself runs (the REST Proxy's consumers) write v0, which every client
// decodes; a Kafka client as leader then assigns to them like to any other member.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pinpipe::groups {

using TopicPartitionList = std::vector<std::pair<std::string, std::vector<int32_t>>>;

std::string EncodeSubscription(const std::vector<std::string>& topics);
// The subscribed topics; nullopt when the bytes are not a Subscription.
std::optional<std::vector<std::string>> DecodeSubscriptionTopics(std::string_view bytes);

std::string EncodeAssignment(const TopicPartitionList& partitions);
// The assigned partitions; an empty input is an empty assignment (what a member gets when
// the leader gave it nothing); nullopt when the bytes are not an Assignment.
std::optional<TopicPartitionList> DecodeAssignment(std::string_view bytes);

}  // namespace pinpipe::groups
