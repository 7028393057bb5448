// TopicRegistry: topic name -> partitions, persisted in <dir>/log/topics (one "name count" line
// per topic, replaced atomically on create and delete). Internal to src/log.
//
// The topics file is the truth once it exists: a creation is written to it before the topic
// is published, a deletion before anything is removed, so partition directories of a topic it
// does not name are leftovers of a creation that never returned or of a deletion a crash
// interrupted, and Load removes them.
//
// Locks: mu_ guards the map only and is never held across file-system work, so a topic being
// created (directories, segment files, fsyncs) never stalls lookups and appends of the others.
// create_mu_ serialises creations (and the topics file they rewrite); readers never take it.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "log/partition_log.h"

namespace pinpipe::log {

// A topic's partitions are an immutable list published through one atomic pointer and replaced
// whole when partitions are added (TopicRegistry::AddPartitions): a reader takes one snapshot
// and sees the old or the new list, never a torn one, with no lock on the append path. Lists
// are never freed while the topic lives (growth is rare and bounded), so a snapshot stays valid.
struct Topic {
  using PartitionList = std::vector<PartitionLog*>;

  std::string name;
  uint64_t id = 0;  // TopicInfo::id
  TopicUuid uuid{};  // TopicInfo::uuid, persisted in the topics file
  std::atomic<uint64_t> records_appended{0};
  std::atomic<uint64_t> bytes_appended{0};

  // The current partitions (index = partition number).
  std::span<PartitionLog* const> partitions() const {
    return *current.load(std::memory_order_acquire);
  }
  int32_t partition_count() const { return static_cast<int32_t>(partitions().size()); }
  // Publishes a list of everything in `owned`. Requires the registry's create_mu_ (or a topic
  // not yet shared).
  void Publish();

  // Changed only under the registry's create_mu_ (or before the topic is shared).
  std::vector<std::unique_ptr<PartitionLog>> owned;
  std::vector<std::unique_ptr<const PartitionList>> lists;  // every list ever published
  std::atomic<const PartitionList*> current{nullptr};
};

class TopicRegistry {
 public:
  TopicRegistry(const PartitionContext& ctx, std::string log_dir);

  // Loads the topics file (and any partition directories it does not list), opening and
  // recovering every partition.
  Status Load(std::vector<RecoveryReport>* reports);
  Status Create(std::string_view name, int32_t partitions);
  // Grows a topic to `new_total` partitions: opens the new ones (directories, files, fsyncs)
  // under create_mu_ only, publishes the longer list, then rewrites the topics file. A crash
  // before the rewrite is recovered by Load, which counts the partition directories.
  // kNotFound for an unknown topic; kInvalidArgument unless new_total is above the current
  // count and at most 10000.
  Status AddPartitions(std::string_view name, int32_t new_total);
  // Deletes a topic: writes the topics file without it, drops its partitions (appends, reads
  // and waits answer kNotFound from then on), renames each partition directory to
  // "<topic>-<p>.<tag>-delete" (Kafka's layout for a log being deleted) and syncs the log
  // directory. The renamed directories are added to `doomed` for the caller to remove (in
  // the background); Load removes any left by a crash. kNotFound for an unknown topic.
  // `fire` receives the callbacks of the failed appends and woken waiters, to be run by the
  // caller once no registry lock is held.
  Status Delete(std::string_view name, std::vector<std::string>* doomed,
                std::vector<std::move_only_function<void()>>* fire);
  // Null if unknown. A deleted topic's object stays allocated while the registry lives
  // (moved to retired_), so a pointer stays valid; its partitions refuse everything. Each
  // thread remembers its last few hits, tagged with the registry's generation (bumped by
  // every deletion), so the hot path (every append looks its topic up) takes no lock and
  // reads one rarely written counter.
  Topic* Find(std::string_view name) const;
  std::vector<Topic*> All() const;  // sorted by name

 private:
  // kUnavailable when the partitions' descriptors would bring the process near its limit.
  Status CheckDescriptors(std::string_view name, int32_t partitions) const;
  // Rewrites the topics file from the map, without `skip` and with `add` (a topic about to be
  // published).
  Status Persist(std::string_view skip = {}, const Topic* add = nullptr) REQUIRES(create_mu_);
  // Opens (creating if needed) every partition of a topic. Takes no lock: the caller inserts
  // the result into topics_ under mu_.
  Result<std::unique_ptr<Topic>> OpenTopic(const std::string& name, int32_t partitions,
                                           const TopicUuid& uuid,
                                           std::vector<RecoveryReport>* reports);

  PartitionContext ctx_;
  std::string log_dir_;
  const uint64_t id_;  // unique per registry in this process, never reused (keys the memo)
  Mutex create_mu_ ACQUIRED_BEFORE(mu_);  // one creation, deletion or rewrite of the file
  mutable SharedMutex mu_;
  std::map<std::string, std::unique_ptr<Topic>, std::less<>> topics_ GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Topic>> retired_ GUARDED_BY(mu_);  // deleted topics
  std::atomic<uint64_t> generation_{0};          // bumped after each removal from topics_
};

// Removes a directory and the files in it (a deleted partition's). Best effort on the files;
// the error of the final rmdir is returned.
Status RemoveDirectory(FileSystem* fs, const std::string& dir);
// True for a name Delete gave a partition directory ("...-delete").
bool IsDeletedPartitionDir(std::string_view name);

}  // namespace pinpipe::log
