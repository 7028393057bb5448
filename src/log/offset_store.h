// OffsetStore: committed consumer-group offsets, (group, topic, partition) -> (offset, metadata),
// in <dir>/state/consumer_offsets.log: an append-only file of CRC-framed entries
//   [u32 length][u32 crc32c(payload)][payload]
//   payload = u16 len group | u16 len topic | i32 partition | i64 offset | u32 len metadata
// replayed at open, compacted (rewritten atomically) when it grows past twice its live size.
// Commit returns after fdatasync (shared by concurrent commits): a returned commit survives a
// crash.
//
// Damage: an entry that fails its CRC or does not parse is skipped and replay resynchronises on
// the next entry that checks (entries are small and bounded, see the limits below), so one bad
// byte loses one entry, never the file. Damage with good entries after it is logged as an error
// (file, position, bytes, what the damaged entries seem to name), counted in
// pinpipe_offsets_damaged_entries_total, the damaged file kept beside as
// consumer_offsets.log.damaged, and the store rewritten from what survived. Damage that runs
// to the end of the file is a torn tail of a commit that never returned: cut, with a warning.
//
// Limits (Kafka's): metadata <= offset.metadata.max.bytes (4096, OFFSET_METADATA_TOO_LARGE),
// topic names 1..249 bytes, group names 1..kMaxGroupBytes, partition >= 0, offset >= 0.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"

namespace pinpipe {
class File;
class FileSystem;
}  // namespace pinpipe

namespace pinpipe::log {

inline constexpr size_t kMaxOffsetMetadataBytes = 4096;  // offset.metadata.max.bytes
inline constexpr size_t kMaxTopicNameBytes = 249;        // Kafka's topic name limit
inline constexpr size_t kMaxGroupBytes = 255;

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

// One entry of the offsets file (offset -1 = the key was deleted).
struct OffsetEntry {
  std::string_view group, topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string_view metadata;
};

// A stretch of the file replay skipped.
struct OffsetDamage {
  uint64_t position = 0;  // file position of the first bad byte
  uint64_t bytes = 0;
  bool tail = false;      // runs to the end of the file (a torn write): cut
  // What the damaged bytes seem to name ("group/topic/partition", best effort, not checked).
  std::vector<std::string> probably_lost;
};

struct OffsetReplay {
  uint64_t entries = 0;
  uint64_t good_end = 0;  // end of the last good entry
  std::vector<OffsetDamage> damage;
};

// Replays the bytes of an offsets file: calls `on_entry` for every entry that checks, in file
// order, skipping damaged stretches. Pure (no I/O); the fuzz target drives it.
OffsetReplay ReplayOffsetEntries(std::string_view data,
                                 const std::function<void(const OffsetEntry&)>& on_entry);

// Checks one commit against the limits above; kInvalidArgument with Kafka's error name.
Status ValidateOffsetCommit(std::string_view group, const OffsetCommit& commit);

class OffsetStore {
 public:
  // `state_dir` is <data dir>/state.
  static Result<std::unique_ptr<OffsetStore>> Open(FileSystem* fs, std::string state_dir);
  ~OffsetStore();

  // Durable when it returns (one write + one fdatasync for all entries). Validates every
  // commit first (ValidateOffsetCommit); nothing is written if one is invalid.
  Status Commit(std::string_view group, std::span<const OffsetCommit> commits);
  std::optional<CommittedOffset> Fetch(std::string_view group, std::string_view topic,
                                       int32_t partition) const;
  // All offsets of a group: (topic, partition) -> offset.
  std::vector<std::tuple<std::string, int32_t, CommittedOffset>> FetchAll(
      std::string_view group) const;
  std::vector<std::string> Groups() const;
  // Forgets a group (e.g. REST consumer instance deleted with its group empty).
  Status DeleteGroup(std::string_view group);
  // Forgets every group's offsets of a topic (the topic was deleted: a topic created again
  // under the name starts at 0, and no group may resume past its end).
  Status DeleteTopic(std::string_view topic);

  // What the replay at open found (damage skipped or cut).
  const OffsetReplay& load_report() const { return load_report_; }
  // pinpipe_offsets_committed_total, pinpipe_offsets_commit_errors_total,
  // pinpipe_offsets_damaged_entries_total, pinpipe_offsets_damaged_bytes_total.
  void RenderPrometheus(std::string& out) const;

 private:
  OffsetStore(FileSystem* fs, std::string state_dir);
  Status Load();
  Status MaybeCompact(bool force = false) REQUIRES(mu_);
  // Writes and waits until durable (sharing fdatasyncs with concurrent callers); releases mu_
  // during the fdatasync.
  Status AppendEntries(std::string_view payloads) REQUIRES(mu_);

  using Key = std::tuple<std::string, std::string, int32_t>;  // group, topic, partition
  FileSystem* fs_;
  std::string dir_, path_;
  mutable Mutex mu_;
  std::map<Key, CommittedOffset, std::less<>> offsets_ GUARDED_BY(mu_);
  std::unique_ptr<File> file_ GUARDED_BY(mu_);
  uint64_t file_size_ GUARDED_BY(mu_) = 0;
  uint64_t live_bytes_ GUARDED_BY(mu_) = 0;
  // Group commit of concurrent Commit calls: one fdatasync covers every write before it.
  CondVar sync_cv_;
  uint64_t written_seq_ GUARDED_BY(mu_) = 0;
  uint64_t synced_seq_ GUARDED_BY(mu_) = 0;
  bool syncing_ GUARDED_BY(mu_) = false;
  OffsetReplay load_report_;
  std::atomic<uint64_t> commits_{0}, commit_errors_{0};
};

}  // namespace pinpipe::log
