// One REST Proxy consumer instance: its settings, subscription or manual assignment, and the
// position of every partition it owns. Guarded by the ConsumerManager's mutex.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "gateway/embedded_format.h"

namespace pinpipe::gateway {

using TopicPartition = std::pair<std::string, int32_t>;

enum class OffsetReset { kEarliest, kLatest, kNone };

struct ConsumerInstance {
  std::string group;
  std::string name;
  EmbeddedFormat format = EmbeddedFormat::kBinary;
  OffsetReset reset = OffsetReset::kLatest;  // Kafka's default
  bool auto_commit = true;                   // Kafka's enable.auto.commit default
  int64_t fetch_min_bytes = -1;              // -1: answer as soon as anything is there
  int64_t request_timeout_ms = -1;           // -1: the server default

  // Group-managed subscription (topics or a pattern) or a manual assignment, never both.
  std::vector<std::string> topics;
  std::optional<std::string> pattern_text;
  std::optional<std::regex> pattern;
  bool manual = false;

  // Owned partitions -> next offset to return; -1 = not yet resolved (committed offset or
  // auto.offset.reset decides at the next read).
  std::map<TopicPartition, int64_t> positions;
  // Topic partition counts the current assignment was computed from (to notice new partitions
  // and new topics matching a pattern).
  std::map<std::string, int32_t> assigned_from;

  int64_t last_used_ms = 0;
  size_t next_partition = 0;  // round-robin start for fairness across partitions

  bool subscribed() const { return !manual && (!topics.empty() || pattern.has_value()); }
};

}  // namespace pinpipe::gateway
