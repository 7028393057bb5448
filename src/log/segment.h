// Segment: one file of concatenated RecordBatch v2 batches, <base offset %020d>.log, plus its
// sparse offset index <base>.index of 8-byte entries {u32 offset - base, u32 file position}
// (big-endian, as Kafka's OffsetIndex) written every `index_interval_bytes`. The index is never
// fsynced: it is validated at open and rebuilt from the log when it does not match.
//
// Internal to src/log. Appends/Truncate are serialised by the owning PartitionLog's lock;
// PRead-based reads and DataSync may run concurrently with them.
//
// Buffered mode (flush=always): Append only copies the batch into memory and the group-commit
// thread writes everything buffered with one pwrite just before its fdatasync (TakeUnwritten +
// WriteUnwritten). Producers then make no system call and hold the partition lock for a
// memcpy; readers never see the difference because they only read up to the durable point.
// With UseDirectWrites those writes go through a DirectAppender (O_DIRECT into zero-filled
// space); Seal() cuts the zeros when the segment is rolled or the log closed.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/file_system.h"
#include "common/mutex.h"
#include "common/status.h"
#include "log/direct_appender.h"

namespace pinpipe::log {

struct RecoveryPoint;
class ReadFileCache;

struct IndexEntry {
  uint32_t relative_offset;
  uint32_t position;
};

// A damaged stretch of a segment that is kept rather than cut (only the active segment's torn
// tail is ever cut): bytes [pos, end_pos) hold no readable batch, so offsets
// [first_offset, next_offset) are lost. Found by recovery or by a read's CRC check; readers
// skip it to next_offset.
struct SegmentGap {
  uint64_t pos = 0;
  uint64_t end_pos = 0;
  int64_t first_offset = 0;
  int64_t next_offset = 0;
  std::string reason;
};

// Where the next readable batch after damage starts.
struct BatchFound {
  uint64_t pos = 0;
  int64_t base_offset = 0;
};

// Where a read's header walk stopped (Segment::FindBatch).
struct BatchAt {
  uint64_t pos = 0;            // the batch holding the offset, or the walk's limit
  int64_t base_offset = 0;     // what that batch's base offset must be (the walk's count)
  bool bad_header = false;     // the walk met bytes that are no batch header at pos
};

// The outcome of scanning a segment at open.
struct SegmentScan {
  uint64_t valid_bytes = 0;  // bytes of whole, valid batches from the start
  uint64_t file_bytes = 0;
  uint64_t free_bytes = 0;  // zero-filled space after the data (DirectAppender), cut silently
  int64_t next_offset = 0;
  uint64_t validated_bytes = 0;  // bytes read and CRC-checked (a full scan: all of them)
  std::string problem;  // why the scan stopped before file_bytes ("" = clean)
  std::vector<SegmentGap> gaps;  // damage kept (sealed segments, or followed by good batches)
};

std::string SegmentFileName(int64_t base_offset, std::string_view ext);  // "000..042.log"

class Segment {
 public:
  // A new, empty segment (files created, truncated).
  static Result<std::unique_ptr<Segment>> Create(FileSystem* fs, const std::string& dir,
                                                 int64_t base_offset);
  // An existing segment. `full_scan` validates every batch (CRC) and rebuilds the index,
  // truncating an invalid tail (recorded in *scan); otherwise the index is trusted if valid
  // and only the bytes after its last entry are walked (headers only) to find the end offset
  // and max timestamp. A full scan given a `resume` point for this segment validates only the
  // bytes after it, if the index is valid and its batches end exactly at the point.
  // `sealed_end` is the next segment's base offset for a sealed segment (-1 for the active
  // one): a sealed segment is never cut; damage in it becomes a gap up to the next readable
  // batch or, at its end, up to sealed_end. In the active segment, damage followed by a
  // readable batch is a gap too; only damage that runs to the end (a torn tail) is cut.
  static Result<std::unique_ptr<Segment>> Open(FileSystem* fs, const std::string& dir,
                                               int64_t base_offset, bool full_scan,
                                               uint64_t index_interval_bytes, SegmentScan* scan,
                                               const RecoveryPoint* resume = nullptr,
                                               int64_t sealed_end = -1);
  ~Segment();

  int64_t base_offset() const { return base_offset_; }
  uint64_t size() const { return size_.load(std::memory_order_acquire); }
  int64_t next_offset() const { return next_offset_; }
  int64_t max_timestamp() const { return max_timestamp_.load(std::memory_order_relaxed); }
  const std::string& log_path() const { return log_path_; }

  // Writes one batch (given as parts written back to back) at the end of the file.
  // On failure the file is cut back to its previous size (best effort).
  Status Append(std::span<const std::string_view> parts, size_t bytes, int64_t base_offset,
                int64_t next_offset, int64_t max_timestamp, uint64_t index_interval_bytes);

  // File position of the last index entry whose offset <= `offset` (0 if none). Requires the
  // partition lock (the in-memory index grows under it).
  uint64_t IndexLookup(int64_t offset) const;
  // The last index entry whose offset <= `offset`: its position and offset (0 / base if none).
  // Requires the partition lock.
  std::pair<uint64_t, int64_t> IndexLookupEntry(int64_t offset) const;
  // The first batch with last offset >= `offset`, walking batch headers from `from` (where a
  // batch with base offset `from_offset` starts) up to `limit`; pos == limit when none.
  Result<BatchAt> FindBatch(int64_t offset, uint64_t from, int64_t from_offset,
                            uint64_t limit) const;
  // The first position in [from, limit) where a whole batch with a good CRC and a base offset
  // in (after, before) starts (before < 0: no upper bound); nullopt if none. Resynchronises
  // after damage: candidates are screened by magic byte and bounds before their CRC is checked.
  Result<std::optional<BatchFound>> FindNextBatch(uint64_t from, uint64_t limit, int64_t after,
                                                  int64_t before) const;

  // Gaps (damage kept), ordered by position. Require the partition lock.
  const std::vector<SegmentGap>& gaps() const { return gaps_; }
  // The first gap that ends after `pos`, or null.
  const SegmentGap* GapAfter(uint64_t pos) const;
  // Adds a gap a read found; false if one already starts there (another reader found it).
  bool AddGap(SegmentGap gap);
  Result<size_t> PRead(uint64_t pos, void* buf, size_t n) const {
    PINPIPE_ASSIGN_OR_RETURN(std::shared_ptr<File> f, ReadFile());
    return f->PRead(pos, buf, n);
  }
  // The file to read from: the segment's own while it is active, else one from the cache.
  Result<std::shared_ptr<File>> ReadFile() const;
  // The segment is sealed and synced for good: closes its descriptors; reads open the file
  // on demand through `cache` (bounded LRU). Requires that nothing writes it any more.
  void Retire(ReadFileCache* cache);

  // Bytes appended in buffered mode and not yet handed to the file, with the index entries
  // that point into them. Swapped out whole so that its buffers are reused.
  struct Unwritten {
    uint64_t pos = 0;  // file position of data[0]
    std::string data;
    uint64_t index_pos = 0;
    std::string index;  // encoded index entries
    bool empty() const { return data.empty() && index.empty(); }
  };
  void set_buffered(bool on) { buffered_ = on; }
  // Buffered mode only: from now on WriteUnwritten writes with O_DIRECT, keeping `chunk`
  // bytes of zero-filled space ahead. Returns false (and stays with buffered writes) where
  // the file system has no direct I/O. Requires the partition lock and nothing unwritten.
  bool UseDirectWrites(uint64_t chunk);
  // Writes the index entries still waiting, cuts the space a DirectAppender zero-filled after
  // the data and stops direct writes. Called by the lane once a rolled segment's last bytes
  // are written, and at close.
  Status Seal();
  // Moves the buffered bytes into `out` (whose old contents are dropped) and counts them as
  // written. New index entries go along once kIndexWriteBatch of them are waiting, or all of
  // them with `whole_index`: the index is advisory and recovery walks the batches after its
  // last entry, so a lagging index costs a start-up a few hundred KiB of reading and saves the
  // group commit an index pwrite in most rounds. Seal() writes what is left. Requires the
  // partition lock.
  static constexpr size_t kIndexWriteBatch = 64;
  void TakeUnwritten(Unwritten& out, bool whole_index = false);
  // Writes what TakeUnwritten returned. No lock needed: positions were reserved.
  Status WriteUnwritten(const Unwritten& u);

  Status DataSync() { return log_->DataSync(); }
  // Removes both files (the open descriptor keeps serving concurrent readers).
  Status Delete();
  size_t index_entries() const { return index_.size(); }

 private:
  Segment(FileSystem* fs, std::string dir, int64_t base_offset);
  // Validates batches from the start, or from `from` (keeping the index entries before it).
  Status Recover(uint64_t index_interval_bytes, SegmentScan* scan,
                 const RecoveryPoint* from = nullptr, int64_t sealed_end = -1);
  Status LoadIndex(uint64_t file_size);
  // True when the batches from the last index entry end exactly at `rp` (position and next
  // offset): the point describes this file. Requires the index loaded and cut before it.
  // On success adds the index entries of the batches it walked (the index file may lag the
  // log by up to a write batch), as a full scan would.
  bool EndsABatchAt(const RecoveryPoint& rp, uint64_t index_interval_bytes);
  Status WriteIndexFile();
  // Encodes the entries not yet in the index file into `out` and counts them as written.
  void TakeIndexEntries(std::string& out);
  // True when the file (of `file_size` bytes) holds only zeros from `from` to its end.
  Result<bool> IsZeroTail(uint64_t from, uint64_t file_size) const;

  FileSystem* fs_;
  std::string dir_, log_path_, index_path_;
  int64_t base_offset_;
  std::shared_ptr<File> log_;  // null once retired (file_mu_)
  std::unique_ptr<File> index_file_;
  mutable Mutex file_mu_;
  ReadFileCache* cache_ GUARDED_BY(file_mu_) = nullptr;  // set by Retire
  std::unique_ptr<DirectAppender> direct_;  // buffered mode with direct writes
  std::atomic<uint64_t> size_{0};
  int64_t next_offset_;
  std::atomic<int64_t> max_timestamp_{-1};
  std::vector<IndexEntry> index_;
  std::vector<SegmentGap> gaps_;  // guarded by the partition lock once the segment is shared
  uint64_t bytes_since_index_ = 0;
  bool buffered_ = false;
  std::string unwritten_;       // buffered mode: bytes after written_
  uint64_t written_ = 0;        // buffered mode: bytes handed to the file
  size_t index_written_ = 0;    // buffered mode: entries of index_ in the index file
};

}  // namespace pinpipe::log
