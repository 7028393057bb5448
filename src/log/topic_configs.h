// TopicConfigs: per-topic overrides of the log settings Kafka calls topic configs —
// retention.ms, retention.bytes and segment.bytes — over the global LogOptions. Set over the
// Kafka protocol (IncrementalAlterConfigs, AlterConfigs, CreateTopics with configs) and
// honoured by the partitions' segment rolling and retention.
//
// On disk: <dir>/log/topic-configs, one "topic name value" line per override (values are
// integers, names have no spaces), replaced atomically (temporary file, fsync, rename) before
// a change is visible or returned: an answered change survives a crash.
//
// Readers on the hot path (every append checks segment.bytes) read a topic's TopicLimits:
// atomics, no lock. Each topic's limits live as long as the TopicConfigs, so a partition keeps
// a plain pointer.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"

namespace pinpipe {
class FileSystem;
}

namespace pinpipe::log {

// The live overrides of one topic; kUnset = the global option applies.
struct TopicLimits {
  static constexpr int64_t kUnset = std::numeric_limits<int64_t>::min();
  std::atomic<int64_t> retention_ms{kUnset};
  std::atomic<int64_t> retention_bytes{kUnset};
  std::atomic<int64_t> segment_bytes{kUnset};

  // The override, or `fallback` when there is none.
  static int64_t Or(const std::atomic<int64_t>& v, int64_t fallback) {
    int64_t x = v.load(std::memory_order_relaxed);
    return x == kUnset ? fallback : x;
  }
};

// The topic config names pinpipe has (Kafka's names), sorted.
inline constexpr std::string_view kRetentionBytes = "retention.bytes";
inline constexpr std::string_view kRetentionMs = "retention.ms";
inline constexpr std::string_view kSegmentBytes = "segment.bytes";
std::span<const std::string_view> TopicConfigNames();
// The broker-level name a topic config defaults from (Kafka's synonym): "log.retention.ms".
std::string_view BrokerSynonym(std::string_view name);

// IncrementalAlterConfigs' operations (Kafka's AlterConfigOp.OpType ids).
enum class ConfigOp : int8_t { kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3 };

struct ConfigChange {
  std::string name;
  ConfigOp op = ConfigOp::kSet;
  std::optional<std::string> value;  // null only for kDelete
};

// Checks one (name, value) as Kafka's LogConfig would: kInvalidArgument with Kafka's wording
// ("Invalid value x for configuration segment.bytes: Value must be at least 1048576"); a name
// Kafka knows but pinpipe does not store, or an unknown name, is refused with a message that
// lists the supported ones.
Status ValidateTopicConfig(std::string_view name, std::optional<std::string_view> value);

class TopicConfigs {
 public:
  // Loads <log_dir>/topic-configs (missing = no overrides; unknown or invalid lines are
  // skipped with a warning).
  static Result<std::unique_ptr<TopicConfigs>> Open(FileSystem* fs, std::string log_dir);

  // The topic's live limits (created, unset, on first use). Never null; valid while this lives.
  const TopicLimits* LimitsFor(std::string_view topic);

  // name -> value of the topic's overrides, sorted.
  std::map<std::string, std::string> Overrides(std::string_view topic) const;
  std::map<std::string, std::map<std::string, std::string>> All() const;

  // IncrementalAlterConfigs: every change is validated before any applies (kInvalidArgument,
  // nothing changed); then persisted and published. validate_only stops after validation.
  Status Alter(std::string_view topic, std::span<const ConfigChange> changes, bool validate_only);
  // AlterConfigs / CreateTopics: the topic's overrides become exactly `configs`.
  Status Replace(std::string_view topic,
                 std::span<const std::pair<std::string, std::string>> configs,
                 bool validate_only);
  // Forgets a topic's overrides (a deleted topic's successor starts from the defaults).
  Status Erase(std::string_view topic);

 private:
  TopicConfigs(FileSystem* fs, std::string path) : fs_(fs), path_(std::move(path)) {}
  using Overrides_ = std::map<std::string, std::string>;
  // Persists `next` for `topic` (the whole file), then publishes it.
  Status Commit(std::string_view topic, Overrides_ next) REQUIRES(write_mu_) EXCLUDES(mu_);
  // The topic's current overrides (write_mu_ held, so they cannot change meanwhile).
  Overrides_ Current(std::string_view topic) const REQUIRES(write_mu_) EXCLUDES(mu_);
  TopicLimits& LimitsLocked(std::string_view topic) REQUIRES(mu_);
  static void Publish(TopicLimits& limits, const Overrides_& overrides);

  FileSystem* fs_;
  std::string path_;
  // write_mu_ serialises changes and is held across the file's write and fsync; mu_ guards
  // the maps and is held only for lookups and the final swap, so readers (the REST Proxy's
  // GET /topics on a reactor) never wait for a disk.
  Mutex write_mu_ ACQUIRED_BEFORE(mu_);
  mutable Mutex mu_;
  std::map<std::string, Overrides_, std::less<>> overrides_ GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<TopicLimits>, std::less<>> limits_ GUARDED_BY(mu_);
};

}  // namespace pinpipe::log
