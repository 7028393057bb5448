// TopicRegistry: topic name -> partitions, persisted in <dir>/log/topics (one "name count" line
// per topic, replaced atomically on create). Internal to src/log.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "log/partition_log.h"

namespace pinpipe::log {

struct Topic {
  std::string name;
  std::vector<std::unique_ptr<PartitionLog>> partitions;
  std::atomic<uint64_t> records_appended{0};
  std::atomic<uint64_t> bytes_appended{0};
};

class TopicRegistry {
 public:
  TopicRegistry(const PartitionContext& ctx, std::string log_dir);

  // Loads the topics file (and any partition directories it does not list), opening and
  // recovering every partition.
  Status Load(std::vector<RecoveryReport>* reports);
  Status Create(std::string_view name, int32_t partitions);
  // Null if unknown. Topics are never removed while the registry lives, so the pointer stays
  // valid. Each thread remembers its last few hits, so the hot path (every append looks its
  // topic up) takes no lock and touches no shared cache line.
  Topic* Find(std::string_view name) const;
  std::vector<Topic*> All() const;  // sorted by name

 private:
  Status Persist();  // requires mu_ (exclusive)
  Status OpenTopic(const std::string& name, int32_t partitions,
                   std::vector<RecoveryReport>* reports);  // requires mu_

  PartitionContext ctx_;
  std::string log_dir_;
  const uint64_t id_;  // unique per registry in this process, never reused (keys the memo)
  mutable std::shared_mutex mu_;
  std::map<std::string, std::unique_ptr<Topic>, std::less<>> topics_;
};

}  // namespace pinpipe::log
