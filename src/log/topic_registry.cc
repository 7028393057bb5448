#include "log/topic_registry.h"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include "common/fd_limit.h"
#include "common/logging.h"
#include "common/mutex.h"
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

TopicUuid NewTopicUuid() {
  static std::random_device rd;
  static Mutex mu;
  TopicUuid id{};
  while (true) {
    {
      MutexLock lock(mu);
      for (size_t i = 0; i < id.size(); i += 4) {
        const uint32_t r = rd();
        std::memcpy(id.data() + i, &r, 4);
      }
    }
    bool zero_or_one = true;  // Kafka reserves 0 (no id) and 1 (the metadata topic)
    for (size_t i = 0; i + 1 < id.size(); ++i) zero_or_one = zero_or_one && id[i] == 0;
    if (!zero_or_one || id.back() > 1) return id;
  }
}

std::string TopicUuidHex(const TopicUuid& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : id) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string TopicUuidBase64(const TopicUuid& id) {
  static constexpr char kB64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  for (size_t i = 0; i < id.size(); i += 3) {
    uint32_t v = static_cast<uint32_t>(id[i]) << 16;
    if (i + 1 < id.size()) v |= static_cast<uint32_t>(id[i + 1]) << 8;
    if (i + 2 < id.size()) v |= id[i + 2];
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    if (i + 1 < id.size()) out += kB64[(v >> 6) & 63];
    if (i + 2 < id.size()) out += kB64[v & 63];
  }
  return out;
}

namespace {
// 32 hex digits → the id; nullopt otherwise.
std::optional<TopicUuid> ParseTopicUuidHex(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  TopicUuid id{};
  for (size_t i = 0; i < 32; ++i) {
    const char c = hex[i];
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return std::nullopt;
    id[i / 2] = static_cast<uint8_t>(id[i / 2] << 4 | v);
  }
  return id;
}
}  // namespace

Result<std::unique_ptr<Topic>> TopicRegistry::OpenTopic(const std::string& name,
                                                        int32_t partitions,
                                                        const TopicUuid& uuid,
                                                        std::vector<RecoveryReport>* reports) {
  static std::atomic<uint64_t> next_id{1};
  auto t = std::make_unique<Topic>();
  t->name = name;
  t->id = next_id.fetch_add(1);
  t->uuid = uuid;
  for (int32_t i = 0; i < partitions; ++i) {
    PINPIPE_ASSIGN_OR_RETURN(auto p, PartitionLog::Open(ctx_, log_dir_, name, i, reports));
    t->owned.push_back(std::move(p));
  }
  t->Publish();
  return t;
}

bool IsDeletedPartitionDir(std::string_view name) { return name.ends_with("-delete"); }

Status RemoveDirectory(FileSystem* fs, const std::string& dir) {
  if (auto names = fs->List(dir)) {
    for (const auto& n : *names) (void)fs->Unlink(JoinPath(dir, n));
  }
  return fs->Rmdir(dir);
}

namespace {
// Unique per deletion in this process and across restarts (leftovers are removed at start-up,
// but a name must never collide with one still being removed).
std::string DeleteTag() {
  static std::atomic<uint64_t> seq{0};
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  return std::to_string(now) + "_" + std::to_string(seq.fetch_add(1));
}
}  // namespace

Status TopicRegistry::Load(std::vector<RecoveryReport>* reports) {
  MutexLock create(create_mu_);
  std::map<std::string, int32_t> wanted;
  std::map<std::string, TopicUuid> ids;
  std::string path = JoinPath(log_dir_, "topics");
  const bool have_file = ctx_.fs->Exists(path);
  if (have_file) {
    // "name partitions [topic id]" per line; files from before topic ids have none.
    PINPIPE_ASSIGN_OR_RETURN(std::string text, ctx_.fs->ReadFileToString(path));
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream in(line);
      std::string name, id;
      int32_t count = 0;
      if (!(in >> name >> count) || !IsValidTopicName(name) || count <= 0) continue;
      wanted[name] = count;
      if (in >> id) {
        if (auto uuid = ParseTopicUuidHex(id)) ids[name] = *uuid;
      }
    }
  }
  // Partition directories the file does not know about are adopted (<topic>-<n>): the file may
  // have been lost or damaged, and acknowledged records are never dropped for that. Only a
  // "-delete" directory means a deletion: DeleteTopic renames before it rewrites the file.
  PINPIPE_ASSIGN_OR_RETURN(auto names, ctx_.fs->List(log_dir_));
  bool changed = false;
  bool removed = false;
  std::set<std::string> deleting;  // topics with a "-delete" directory
  std::set<std::string> live;      // topics with a partition directory
  for (const auto& dir : names) {
    const std::string full = JoinPath(log_dir_, dir);
    if (IsDeletedPartitionDir(dir) && ctx_.fs->IsDirectory(full)) {
      // "<topic>-<p>.<tag>-delete": a deletion the last run did not finish.
      std::string_view rest = std::string_view(dir).substr(0, dir.size() - 7);
      if (auto dot = rest.rfind('.'); dot != std::string_view::npos) {
        rest = rest.substr(0, dot);
        if (auto dash = rest.rfind('-'); dash != std::string_view::npos) {
          deleting.insert(std::string(rest.substr(0, dash)));
        }
      }
      PINPIPE_RETURN_IF_ERROR(RemoveDirectory(ctx_.fs, full));
      removed = true;
      continue;
    }
    auto dash = dir.rfind('-');
    if (dash == std::string::npos || !ctx_.fs->IsDirectory(full)) continue;
    std::string topic = dir.substr(0, dash);
    char* end = nullptr;
    long n = std::strtol(dir.c_str() + dash + 1, &end, 10);
    if (*end != '\0' || end == dir.c_str() + dash + 1 || n < 0 || !IsValidTopicName(topic)) {
      continue;
    }
    live.insert(topic);
    if (have_file && !wanted.contains(topic)) {
      spdlog::warn("log: {} holds partition {} of topic '{}', which the topics file does not "
                   "name (lost or damaged): the topic is kept", full, n, topic);
    }
    auto& count = wanted[topic];
    if (count < n + 1) {
      count = static_cast<int32_t>(n + 1);
      changed = true;
    }
  }
  // A deletion that renamed every directory but died before rewriting the file: finish it.
  // (A topic with live directories beside old "-delete" ones was created again: it stays.)
  for (const auto& topic : deleting) {
    if (!live.contains(topic) && wanted.erase(topic) > 0) {
      spdlog::warn("log: finishing the deletion of topic '{}' interrupted by the last run", topic);
      changed = true;
    }
  }
  for (const auto& [name, count] : wanted) {
    auto known = ids.find(name);
    if (known == ids.end()) changed = true;  // a topic id is given once, then kept
    PINPIPE_ASSIGN_OR_RETURN(
        auto t, OpenTopic(name, count, known != ids.end() ? known->second : NewTopicUuid(), reports));
    WriterMutexLock lock(mu_);
    topics_[name] = std::move(t);
  }
  if (removed) PINPIPE_RETURN_IF_ERROR(ctx_.fs->SyncDir(log_dir_));
  if (changed) PINPIPE_RETURN_IF_ERROR(Persist());
  return OkStatus();
}

Status TopicRegistry::Persist(std::string_view skip, const Topic* add) {
  std::string text;
  {
    ReaderMutexLock lock(mu_);
    std::map<std::string_view, const Topic*> lines;
    for (const auto& [name, t] : topics_) {
      if (name != skip) lines[name] = t.get();
    }
    if (add != nullptr) lines[add->name] = add;
    for (const auto& [name, t] : lines) {
      text += name;
      text += ' ';
      text += std::to_string(t->partition_count());
      text += ' ';
      text += TopicUuidHex(t->uuid);
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
  MutexLock create(create_mu_);
  {
    ReaderMutexLock lock(mu_);
    if (topics_.contains(name)) {
      return MakeError(ErrorCode::kAlreadyExists, "topic '" + std::string(name) + "' exists");
    }
  }
  PINPIPE_RETURN_IF_ERROR(CheckDescriptors(name, partitions));
  std::string n(name);
  PINPIPE_ASSIGN_OR_RETURN(auto t, OpenTopic(n, partitions, NewTopicUuid(), nullptr));
  // Named in the file before anyone can append (a crash before this leaves empty directories,
  // which the next Load adopts).
  PINPIPE_RETURN_IF_ERROR(Persist({}, t.get()));
  WriterMutexLock lock(mu_);
  topics_[n] = std::move(t);
  return OkStatus();
}

Status TopicRegistry::Delete(std::string_view name, std::vector<std::string>* doomed,
                             std::vector<std::move_only_function<void()>>* fire) {
  MutexLock create(create_mu_);
  Topic* t = nullptr;
  {
    ReaderMutexLock lock(mu_);
    auto it = topics_.find(name);
    if (it != topics_.end()) t = it->second.get();
  }
  if (t == nullptr) {
    return MakeError(ErrorCode::kNotFound, "topic '" + std::string(name) + "' not found");
  }
  {
    WriterMutexLock lock(mu_);
    auto it = topics_.find(name);
    retired_.push_back(std::move(it->second));
    topics_.erase(it);
  }
  // After the removal: a thread that remembered the topic looks it up again.
  generation_.fetch_add(1, std::memory_order_acq_rel);
  for (PartitionLog* p : t->partitions()) p->Drop(fire);
  const std::string tag = DeleteTag();
  Status st = OkStatus();
  for (PartitionLog* p : t->partitions()) {
    std::string to = p->dir() + "." + tag + "-delete";
    Status r = ctx_.fs->Rename(p->dir(), to);
    // After the rename: an open by path can no longer reach the old files, and a recreated
    // topic's reads must not get descriptors of them from the cache.
    if (ctx_.files != nullptr) ctx_.files->ForgetUnder(p->dir());
    if (r) {
      doomed->push_back(std::move(to));
    } else if (st) {
      st = r;  // left in place: the next Load adopts it (never drops data it cannot tell apart)
    }
  }
  // The renames are durable before the file stops naming the topic: a crash in between
  // leaves "-delete" directories, from which the next Load finishes the deletion. A directory
  // the file does not name is never taken for a deleted one (the file may be damaged).
  PINPIPE_RETURN_IF_ERROR(ctx_.fs->SyncDir(log_dir_));
  Status persisted = Persist(name);
  return st ? persisted : st;
}

Status TopicRegistry::AddPartitions(std::string_view name, int32_t new_total) {
  MutexLock create(create_mu_);
  Topic* t = nullptr;
  {
    ReaderMutexLock lock(mu_);
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
    uint64_t generation = 0;
    std::string name;
    Topic* topic = nullptr;
  };
  thread_local std::array<Hit, 4> hits;
  thread_local size_t next_hit = 0;
  // Read before the map: a hit remembered from a lookup that raced a deletion carries the
  // generation before it, so the next Find does not trust it.
  const uint64_t generation = generation_.load(std::memory_order_acquire);
  for (const Hit& h : hits) {
    if (h.registry == id_ && h.generation == generation && h.name == name) return h.topic;
  }
  Topic* topic = nullptr;
  {
    ReaderMutexLock lock(mu_);
    auto it = topics_.find(name);
    if (it != topics_.end()) topic = it->second.get();
  }
  if (topic != nullptr) {  // unknown names are not remembered: the topic may be created next
    Hit& h = hits[next_hit++ % hits.size()];
    h.registry = id_;
    h.generation = generation;
    h.name.assign(name);
    h.topic = topic;
  }
  return topic;
}

std::vector<Topic*> TopicRegistry::All() const {
  ReaderMutexLock lock(mu_);
  std::vector<Topic*> out;
  for (const auto& [name, t] : topics_) out.push_back(t.get());
  return out;
}

}  // namespace pinpipe::log
