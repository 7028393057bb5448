#include "log/topic_registry.h"

#include <array>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <sstream>

#include "common/fd_limit.h"
#include "log/file_cache.h"

namespace pinpipe::log {

bool IsValidTopicName(std::string_view name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<std::unique_ptr<Topic>> TopicRegistry::OpenTopic(const std::string& name,
                                                        int32_t partitions,
                                                        std::vector<RecoveryReport>* reports) {
  auto t = std::make_unique<Topic>();
  t->name = name;
  for (int32_t i = 0; i < partitions; ++i) {
    PINPIPE_ASSIGN_OR_RETURN(auto p, PartitionLog::Open(ctx_, log_dir_, name, i, reports));
    t->owned.push_back(std::move(p));
  }
  t->Publish();
  return t;
}

Status TopicRegistry::Load(std::vector<RecoveryReport>* reports) {
  std::lock_guard create(create_mu_);
  std::map<std::string, int32_t> wanted;
  std::string path = JoinPath(log_dir_, "topics");
  if (ctx_.fs->Exists(path)) {
    PINPIPE_ASSIGN_OR_RETURN(std::string text, ctx_.fs->ReadFileToString(path));
    std::istringstream in(text);
    std::string name;
    int32_t count;
    while (in >> name >> count) {
      if (IsValidTopicName(name) && count > 0) wanted[name] = count;
    }
  }
  // Partition directories the file does not know about (e.g. it was lost): <topic>-<n>.
  PINPIPE_ASSIGN_OR_RETURN(auto names, ctx_.fs->List(log_dir_));
  bool changed = false;
  for (const auto& dir : names) {
    auto dash = dir.rfind('-');
    if (dash == std::string::npos || !ctx_.fs->IsDirectory(JoinPath(log_dir_, dir))) continue;
    std::string topic = dir.substr(0, dash);
    char* end = nullptr;
    long n = std::strtol(dir.c_str() + dash + 1, &end, 10);
    if (*end != '\0' || end == dir.c_str() + dash + 1 || n < 0 || !IsValidTopicName(topic)) {
      continue;
    }
    auto& count = wanted[topic];
    if (count < n + 1) {
      count = static_cast<int32_t>(n + 1);
      changed = true;
    }
  }
  for (const auto& [name, count] : wanted) {
    PINPIPE_ASSIGN_OR_RETURN(auto t, OpenTopic(name, count, reports));
    std::unique_lock lock(mu_);
    topics_[name] = std::move(t);
  }
  if (changed) PINPIPE_RETURN_IF_ERROR(Persist());
  return OkStatus();
}

Status TopicRegistry::Persist() {
  std::string text;
  {
    std::shared_lock lock(mu_);
    for (const auto& [name, t] : topics_) {
      text += name;
      text += ' ';
      text += std::to_string(t->partition_count());
      text += '\n';
    }
  }
  return ctx_.fs->WriteFileAtomically(JoinPath(log_dir_, "topics"), text);
}

Status TopicRegistry::CheckDescriptors(std::string_view name, int32_t partitions) const {
  // Refuse before open() fails with EMFILE halfway through: a quarter of the limit stays
  // free for connections, the sink and state files, and the sealed-segment cache may fill.
  const uint64_t limit = OpenFileLimit();
  const uint64_t open = OpenFileCount();
  const uint64_t cache = ctx_.files != nullptr ? ctx_.files->capacity() : 0;
  const uint64_t reserve = limit / 4 + cache;
  const uint64_t need = static_cast<uint64_t>(partitions) * PartitionLog::kDescriptorsPerPartition;
  if (limit > reserve && open + need <= limit - reserve) return OkStatus();
  return MakeError(ErrorCode::kUnavailable,
                   "cannot create topic '" + std::string(name.substr(0, 64)) + "': its " +
                       std::to_string(partitions) + " partition(s) need " + std::to_string(need) +
                       " file descriptors and " + std::to_string(open) + " of the limit of " +
                       std::to_string(limit) + " are open (" + std::to_string(reserve) +
                       " are kept for connections and reads); raise the limit (ulimit -n / "
                       "LimitNOFILE) or use fewer topics");
}

Status TopicRegistry::Create(std::string_view name, int32_t partitions) {
  if (!IsValidTopicName(name)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid topic name '" + std::string(name.substr(0, 64)) +
                         "': use 1-249 characters from [a-zA-Z0-9._-], not '.' or '..'");
  }
  if (partitions < 1 || partitions > 10000) {
    return MakeError(ErrorCode::kInvalidArgument, "partition count must be in [1, 10000]");
  }
  // One creation at a time, outside mu_: lookups and appends of other topics go on while this
  // one makes its directories and files.
  std::lock_guard create(create_mu_);
  {
    std::shared_lock lock(mu_);
    if (topics_.contains(name)) {
      return MakeError(ErrorCode::kAlreadyExists, "topic '" + std::string(name) + "' exists");
    }
  }
  PINPIPE_RETURN_IF_ERROR(CheckDescriptors(name, partitions));
  std::string n(name);
  PINPIPE_ASSIGN_OR_RETURN(auto t, OpenTopic(n, partitions, nullptr));
  {
    std::unique_lock lock(mu_);
    topics_[n] = std::move(t);
  }
  return Persist();
}

Status TopicRegistry::AddPartitions(std::string_view name, int32_t new_total) {
  std::lock_guard create(create_mu_);
  Topic* t = nullptr;
  {
    std::shared_lock lock(mu_);
    auto it = topics_.find(name);
    if (it != topics_.end()) t = it->second.get();
  }
  if (t == nullptr) {
    return MakeError(ErrorCode::kNotFound, "topic '" + std::string(name) + "' not found");
  }
  const auto old_total = static_cast<int32_t>(t->owned.size());
  if (new_total <= old_total || new_total > 10000) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "topic '" + std::string(name) + "' has " + std::to_string(old_total) +
                         " partitions; the new count must be above that and at most 10000, not " +
                         std::to_string(new_total));
  }
  PINPIPE_RETURN_IF_ERROR(CheckDescriptors(name, new_total - old_total));
  // Opened before anything is published: a failure leaves the topic as it was (a directory
  // already made is picked up by the next Load, as after a crash).
  std::vector<std::unique_ptr<PartitionLog>> added;
  for (int32_t i = old_total; i < new_total; ++i) {
    PINPIPE_ASSIGN_OR_RETURN(auto p, PartitionLog::Open(ctx_, log_dir_, t->name, i, nullptr));
    added.push_back(std::move(p));
  }
  for (auto& p : added) t->owned.push_back(std::move(p));
  t->Publish();
  return Persist();
}

void Topic::Publish() {
  auto list = std::make_unique<PartitionList>();
  list->reserve(owned.size());
  for (const auto& p : owned) list->push_back(p.get());
  current.store(list.get(), std::memory_order_release);
  lists.push_back(std::move(list));
}

namespace {
std::atomic<uint64_t> next_registry_id{1};
}  // namespace

TopicRegistry::TopicRegistry(const PartitionContext& ctx, std::string log_dir)
    : ctx_(ctx), log_dir_(std::move(log_dir)), id_(next_registry_id.fetch_add(1)) {}

Topic* TopicRegistry::Find(std::string_view name) const {
  struct Hit {
    uint64_t registry = 0;
    std::string name;
    Topic* topic = nullptr;
  };
  thread_local std::array<Hit, 4> hits;
  thread_local size_t next_hit = 0;
  for (const Hit& h : hits) {
    if (h.registry == id_ && h.name == name) return h.topic;
  }
  Topic* topic = nullptr;
  {
    std::shared_lock lock(mu_);
    auto it = topics_.find(name);
    if (it != topics_.end()) topic = it->second.get();
  }
  if (topic != nullptr) {  // unknown names are not remembered: the topic may be created next
    Hit& h = hits[next_hit++ % hits.size()];
    h.registry = id_;
    h.name.assign(name);
    h.topic = topic;
  }
  return topic;
}

std::vector<Topic*> TopicRegistry::All() const {
  std::shared_lock lock(mu_);
  std::vector<Topic*> out;
  for (const auto& [name, t] : topics_) out.push_back(t.get());
  return out;
}

}  // namespace pinpipe::log
