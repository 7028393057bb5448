#include "log/topic_configs.h"

#include <array>
#include <charconv>
#include <sstream>

#include "common/file_system.h"
#include "common/logging.h"
#include "common/mutex.h"

namespace pinpipe::log {
namespace {

constexpr std::array kNames = {kRetentionBytes, kRetentionMs, kSegmentBytes};

// Kafka's LogConfig: segment.bytes is an INT of at least 1 MiB (4.x), retention.ms a LONG of
// at least -1, retention.bytes any LONG (negative = unlimited).
constexpr int64_t kMinSegmentBytes = 1048576;

// Topic configs Kafka has and pinpipe does not store: named in the refusal so a user sees
// why, rather than Kafka's "Unknown topic config name".
constexpr std::array kKafkaOnly = {
    "cleanup.policy", "compression.type", "delete.retention.ms", "file.delete.delay.ms",
    "flush.messages", "flush.ms", "index.interval.bytes", "max.compaction.lag.ms",
    "max.message.bytes", "message.timestamp.type", "min.cleanable.dirty.ratio",
    "min.compaction.lag.ms", "min.insync.replicas", "preallocate", "segment.index.bytes",
    "segment.jitter.ms", "segment.ms", "unclean.leader.election.enable",
    "message.timestamp.before.max.ms", "message.timestamp.after.max.ms",
    "local.retention.ms", "local.retention.bytes", "remote.storage.enable"};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  s = Trim(s);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

bool Known(std::string_view name) {
  for (auto n : kNames) {
    if (n == name) return true;
  }
  return false;
}

std::string Supported() {
  std::string out;
  for (auto n : kNames) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace

std::span<const std::string_view> TopicConfigNames() { return kNames; }

std::string_view BrokerSynonym(std::string_view name) {
  if (name == kRetentionMs) return "log.retention.ms";
  if (name == kRetentionBytes) return "log.retention.bytes";
  if (name == kSegmentBytes) return "log.segment.bytes";
  return {};
}

Status ValidateTopicConfig(std::string_view name, std::optional<std::string_view> value) {
  if (!Known(name)) {
    bool kafka_has_it = false;
    for (const char* k : kKafkaOnly) kafka_has_it = kafka_has_it || name == k;
    std::string n(name.substr(0, 128));
    if (kafka_has_it) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "Topic config " + n + " is not supported by pinpipe; the topic configs it " +
                           "has are " + Supported());
    }
    return MakeError(ErrorCode::kInvalidArgument,
                     "Unknown topic config name: " + n + " (pinpipe's topic configs are " +
                         Supported() + ")");
  }
  if (!value) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "Null value not supported for topic configs: " + std::string(name));
  }
  auto v = ParseInt(*value);
  const bool is_int = name == kSegmentBytes;
  std::string shown(value->substr(0, 64));
  std::string prefix = "Invalid value " + shown + " for configuration " + std::string(name) + ": ";
  if (!v || (is_int && (*v < INT32_MIN || *v > INT32_MAX))) {
    return MakeError(ErrorCode::kInvalidArgument,
                     prefix + (is_int ? "Not a number of type INT" : "Not a number of type LONG"));
  }
  if (name == kSegmentBytes && *v < kMinSegmentBytes) {
    return MakeError(ErrorCode::kInvalidArgument,
                     prefix + "Value must be at least " + std::to_string(kMinSegmentBytes));
  }
  if (name == kRetentionMs && *v < -1) {
    return MakeError(ErrorCode::kInvalidArgument, prefix + "Value must be at least -1");
  }
  return OkStatus();
}

Result<std::unique_ptr<TopicConfigs>> TopicConfigs::Open(FileSystem* fs, std::string log_dir) {
  std::unique_ptr<TopicConfigs> c(new TopicConfigs(fs, JoinPath(log_dir, "topic-configs")));
  if (!fs->Exists(c->path_)) return c;
  PINPIPE_ASSIGN_OR_RETURN(std::string text, fs->ReadFileToString(c->path_));
  MutexLock lock(c->mu_);  // not shared yet; taken for the analysis
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string topic, name, value, extra;
    if (!(fields >> topic >> name >> value) || (fields >> extra) ||
        !ValidateTopicConfig(name, value)) {
      spdlog::warn("log: {}: skipped a line that is not a valid topic config: '{}'", c->path_,
                   line.substr(0, 200));
      continue;
    }
    c->overrides_[topic][name] = value;
  }
  for (const auto& [topic, o] : c->overrides_) Publish(c->LimitsLocked(topic), o);
  return c;
}

TopicLimits& TopicConfigs::LimitsLocked(std::string_view topic) {
  auto it = limits_.find(topic);
  if (it == limits_.end()) {
    it = limits_.emplace(std::string(topic), std::make_unique<TopicLimits>()).first;
  }
  return *it->second;
}

const TopicLimits* TopicConfigs::LimitsFor(std::string_view topic) {
  MutexLock lock(mu_);
  return &LimitsLocked(topic);
}

void TopicConfigs::Publish(TopicLimits& limits, const Overrides_& overrides) {
  auto get = [&](std::string_view name) {
    auto it = overrides.find(std::string(name));
    return it == overrides.end() ? TopicLimits::kUnset : *ParseInt(it->second);
  };
  limits.retention_ms.store(get(kRetentionMs), std::memory_order_relaxed);
  limits.retention_bytes.store(get(kRetentionBytes), std::memory_order_relaxed);
  limits.segment_bytes.store(get(kSegmentBytes), std::memory_order_relaxed);
}

std::map<std::string, std::string> TopicConfigs::Overrides(std::string_view topic) const {
  MutexLock lock(mu_);
  auto it = overrides_.find(topic);
  return it == overrides_.end() ? Overrides_{} : it->second;
}

std::map<std::string, std::map<std::string, std::string>> TopicConfigs::All() const {
  MutexLock lock(mu_);
  return {overrides_.begin(), overrides_.end()};
}

TopicConfigs::Overrides_ TopicConfigs::Current(std::string_view topic) const {
  MutexLock lock(mu_);
  auto it = overrides_.find(topic);
  return it == overrides_.end() ? Overrides_{} : it->second;
}

Status TopicConfigs::Commit(std::string_view topic, Overrides_ next) {
  std::map<std::string, Overrides_, std::less<>> all;
  {
    MutexLock lock(mu_);
    all = overrides_;
  }
  if (next.empty()) {
    all.erase(std::string(topic));
  } else {
    all[std::string(topic)] = next;
  }
  std::string text;
  for (const auto& [t, o] : all) {
    for (const auto& [name, value] : o) text += t + " " + name + " " + value + "\n";
  }
  // Durable before anyone sees it: an answered change survives a crash.
  PINPIPE_RETURN_IF_ERROR(fs_->WriteFileAtomically(path_, text));
  MutexLock lock(mu_);
  Publish(LimitsLocked(topic), next);
  overrides_ = std::move(all);
  return OkStatus();
}

Status TopicConfigs::Alter(std::string_view topic, std::span<const ConfigChange> changes,
                           bool validate_only) {
  MutexLock write(write_mu_);
  Overrides_ next = Current(topic);
  for (const ConfigChange& c : changes) {
    if (c.op == ConfigOp::kAppend || c.op == ConfigOp::kSubtract) {
      // Kafka allows these on list-typed configs only; every config here is a number.
      if (Status st = ValidateTopicConfig(c.name, "0"); !st) return st;
      return MakeError(ErrorCode::kInvalidArgument,
                       "Config value append/subtract is not allowed for config key: " + c.name);
    }
    if (c.op == ConfigOp::kDelete) {
      if (Status st = ValidateTopicConfig(c.name, "0"); !st) return st;
      next.erase(c.name);
      continue;
    }
    if (c.op != ConfigOp::kSet) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "Unknown config operation " + std::to_string(static_cast<int>(c.op)));
    }
    PINPIPE_RETURN_IF_ERROR(ValidateTopicConfig(c.name, c.value));
    next[c.name] = std::string(Trim(*c.value));
  }
  if (validate_only) return OkStatus();
  return Commit(topic, std::move(next));
}

Status TopicConfigs::Replace(std::string_view topic,
                             std::span<const std::pair<std::string, std::string>> configs,
                             bool validate_only) {
  MutexLock write(write_mu_);
  Overrides_ next;
  for (const auto& [name, value] : configs) {
    PINPIPE_RETURN_IF_ERROR(ValidateTopicConfig(name, value));
    next[name] = std::string(Trim(value));
  }
  if (validate_only) return OkStatus();
  return Commit(topic, std::move(next));
}

Status TopicConfigs::Erase(std::string_view topic) {
  MutexLock write(write_mu_);
  if (Current(topic).empty()) return OkStatus();
  return Commit(topic, {});
}

}  // namespace pinpipe::log
