// The REST Proxy consumer API's request bodies, parsed and validated into plain values before
// any lock is taken: create, subscription (topics or an RE2 topic_pattern), partition lists
// (assignments, seeks to an edge, GET offsets), seeks and offset commits. Pure functions over
// bytes, so `fuzz/consumer_api_fuzz.cc` drives them directly.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/consumer_instance.h"

namespace pinpipe::gateway {

namespace rest_code {
// Kafka's UNKNOWN_TOPIC_OR_PARTITION: rest-utils' KAFKA_UNKNOWN_TOPIC_PARTITION_CODE, the
// same number as "Consumer instance not found".
inline constexpr int kUnknownTopicOrPartition = 40403;
}  // namespace rest_code

// A request the client must fix: the REST Proxy's application error code and message.
struct ApiError {
  int code = 0;
  std::string message;
};
template <typename T>
using Parsed = std::expected<T, ApiError>;

// Limits (README "Consumers"): group and instance names 1..255 bytes (Kafka topics: 249),
// topic_pattern up to 1024 bytes compiled by RE2 into at most kMaxPatternProgramBytes,
// consumer.request.timeout.ms in 0..kMaxRequestTimeoutMs, fetch.min.bytes -1..10000000,
// at most kMaxPartitionsPerRequest entries in a list.
inline constexpr size_t kMaxConsumerNameBytes = 255;
inline constexpr size_t kMaxTopicPatternBytes = 1024;
inline constexpr int64_t kMaxPatternProgramBytes = 1 << 20;
inline constexpr int64_t kMaxRequestTimeoutMs = 300000;
inline constexpr size_t kMaxPartitionsPerRequest = 10000;

std::optional<ApiError> CheckGroupName(std::string_view group);
std::optional<ApiError> CheckInstanceName(std::string_view name);

// POST /consumers/{group}; an empty body is `{}`.
Parsed<ConsumerSettings> ParseCreateRequest(std::string_view body);
// POST .../subscription: {"topics":[...]} or {"topic_pattern":"..."}.
Parsed<std::shared_ptr<const Subscription>> ParseSubscription(std::string_view body);
// {"partitions":[{"topic","partition"}]}
Parsed<std::vector<TopicPartition>> ParsePartitionList(std::string_view body);

struct OffsetSpec {
  TopicPartition tp;
  int64_t offset = 0;
  std::string metadata;
};
// POST .../positions: exact offsets, and ISO-8601 timestamps in ms since the epoch.
struct SeekRequest {
  std::vector<OffsetSpec> offsets;
  std::vector<std::pair<TopicPartition, int64_t>> timestamps;
};
Parsed<SeekRequest> ParseSeek(std::string_view body);
// POST .../offsets: nullopt = no list (commit every position). Offsets are as posted (the
// last consumed record); the caller stores offset + 1, as the REST Proxy does.
Parsed<std::optional<std::vector<OffsetSpec>>> ParseCommit(std::string_view body);

}  // namespace pinpipe::gateway
