// OffsetStore: committed consumer-group offsets, (group, topic, partition) -> (offset, metadata),
// in <dir>/state/consumer_offsets.log: an append-only file of CRC-framed entries
//   [u32 length][u32 crc32c(payload)][payload]
//   payload = u16 len group | u16 len topic | i32 partition | i64 offset | u32 len metadata
// replayed at open (a torn tail is cut), compacted (rewritten atomically) when it grows past
// twice its live size. Commit returns after fdatasync (shared by concurrent commits): a returned
// commit survives a crash.
#pragma once

#include <cstdint>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/status.h"

namespace pinpipe {
class File;
class FileSystem;
}  // namespace pinpipe

namespace pinpipe::log {

struct CommittedOffset {
  int64_t offset = -1;
  std::string metadata;
};

struct OffsetCommit {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string_view metadata;
};

class OffsetStore {
 public:
  // `state_dir` is <data dir>/state.
  static Result<std::unique_ptr<OffsetStore>> Open(FileSystem* fs, std::string state_dir);
  ~OffsetStore();

  // Durable when it returns (one write + one fdatasync for all entries).
  Status Commit(std::string_view group, std::span<const OffsetCommit> commits);
  std::optional<CommittedOffset> Fetch(std::string_view group, std::string_view topic,
                                       int32_t partition) const;
  // All offsets of a group: (topic, partition) -> offset.
  std::vector<std::tuple<std::string, int32_t, CommittedOffset>> FetchAll(
      std::string_view group) const;
  std::vector<std::string> Groups() const;
  // Forgets a group (e.g. REST consumer instance deleted with its group empty).
  Status DeleteGroup(std::string_view group);

 private:
  OffsetStore(FileSystem* fs, std::string state_dir);
  Status Load();
  Status MaybeCompact();  // requires mu_
  // Writes and waits until durable (sharing fdatasyncs with concurrent callers).
  Status AppendEntries(std::unique_lock<std::mutex>& lock, std::string_view payloads);

  using Key = std::tuple<std::string, std::string, int32_t>;  // group, topic, partition
  FileSystem* fs_;
  std::string dir_, path_;
  mutable std::mutex mu_;
  std::map<Key, CommittedOffset, std::less<>> offsets_;
  std::unique_ptr<File> file_;
  uint64_t file_size_ = 0;
  uint64_t live_bytes_ = 0;
  // Group commit of concurrent Commit calls: one fdatasync covers every write before it.
  std::condition_variable sync_cv_;
  uint64_t written_seq_ = 0, synced_seq_ = 0;
  bool syncing_ = false;
};

}  // namespace pinpipe::log
