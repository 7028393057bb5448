// One REST Proxy consumer instance: its settings (fixed at creation), its subscription or
// manual assignment, and the position of every partition it owns.
// The mutable part is guarded by its group's mutex (ConsumerManager::Group::mu).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gateway/embedded_format.h"

namespace re2 {
class RE2;
}

namespace pinpipe::gateway {

using TopicPartition = std::pair<std::string, int32_t>;

enum class OffsetReset { kEarliest, kLatest, kNone };

// A subscription as the client posted it; immutable once made, so it is shared with the
// threads that match topics against its pattern without holding any lock.
struct Subscription {
  std::vector<std::string> topics;  // sorted, unique
  std::string pattern_text;
  std::shared_ptr<const re2::RE2> pattern;  // set for topic_pattern subscriptions
};

struct ConsumerSettings {
  std::string name;  // empty: generated
  EmbeddedFormat format = EmbeddedFormat::kBinary;
  OffsetReset reset = OffsetReset::kLatest;  // Kafka's default
  bool auto_commit = true;                   // Kafka's enable.auto.commit default
  int64_t fetch_min_bytes = -1;              // -1: answer as soon as anything is there
  int64_t request_timeout_ms = -1;           // -1: the server default
};

struct ConsumerInstance {
  std::string group;
  ConsumerSettings settings;
  const std::string& name() const { return settings.name; }
  std::atomic<int64_t> last_used_ms{0};

  // ---- guarded by the group's mutex
  std::shared_ptr<const Subscription> subscription;  // null: not subscribed
  bool manual = false;
  bool removed = false;  // deleted or expired; requests still holding it fail with 40403
  // Owned partitions -> next offset to return; -1 = not yet resolved (committed offset or
  // auto.offset.reset decides at the next read).
  std::map<TopicPartition, int64_t> positions;
  // Bumped whenever `positions` change other than by resolving a -1, so a read that ran
  // outside the lock knows whether its snapshot still holds.
  uint64_t version = 0;
  // Topic partition counts the current assignment was computed from (to notice new partitions
  // and new topics matching a pattern).
  std::map<std::string, int32_t> assigned_from;
  // The ids (log::TopicInfo::id) of those topics: a topic deleted and created again gets a new
  // one, and the positions of the old one are dropped at the next rebalance.
  std::map<std::string, uint64_t> assigned_ids;
  size_t next_partition = 0;  // round-robin start for fairness across partitions

  // Membership of a subscribed instance in the group coordinator (consumer_manager.h).
  std::string member_id;     // empty: not (yet) a member
  int32_t generation = -1;   // the generation its assignment belongs to
  bool joining = false;      // a join round (JoinGroup, then SyncGroup) is in flight
  bool rejoin = false;       // another round is wanted once this one ends
  bool rebalancing = false;  // from a rebalance's start to the new assignment: reads wait

  bool subscribed() const { return !manual && subscription != nullptr; }
};

}  // namespace pinpipe::gateway
