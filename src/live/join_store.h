// JoinStore: the rows of the live view's symmetric hash joins on `ind`, on disk, with a
// bounded in-memory page cache — so a row waiting for its partner (or kept for partners that
// may still come) costs disk, not resident memory.
//
// Layout: a linear hash table (Litwin) of 4 KiB pages. Bucket b's primary page is page b of
// the bucket file; a full bucket chains overflow pages of the overflow file. A page holds a
// header and up to kPerPage 24-byte entries {ind, kind, the few columns the analytics read}.
// The table grows one bucket split at a time when it is kFill full, so no insert ever rewrites
// more than one chain. Rows hash by ind / kIndsPerGroup: neighbouring inds (a stream's
// consecutive rows, the emulator's pin/geo/user of one ind posted together) share a page, so
// they are joined while the page is in the cache.
//
// The cache is direct-mapped (frame = hash(page) mod frames): write-back, pwrite on eviction,
// pread on a miss (the kernel's page cache, not this process's RSS, usually answers). No mmap:
// touched mapped pages would count as RSS. Memory is fixed at Open: the frames, the free list
// of overflow pages (one uint32 per freed page) and a split's scratch (one chain).
//
// Derived state, not durable: the files are unlinked as soon as they are created (O_TMPFILE,
// else mkstemp + unlink), so a crash leaves nothing behind and a restart rebuilds from the
// Delta tables (LiveFollower). Nothing is ever fsynced.
//
// Errors (disk full, I/O) are sticky: status() reports the first, and later calls do nothing;
// the owner must discard the store. One thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace pinpipe::live {

struct JoinStoreOptions {
  std::string dir;                 // where the (unlinked) files live; empty = the temp directory
  size_t cache_bytes = 16u << 20;  // the page cache: rounded down to a power of two of pages, >= 2
};

// One row: `kind` says which table; the columns are the analytics', by kind (live_analytics.cc).
struct JoinEntry {
  int64_t ind;
  uint32_t a, b;
  int32_t c;
  uint8_t kind, flag;
  uint16_t pad;
};
static_assert(sizeof(JoinEntry) == 24);

class JoinStore {
 public:
  static constexpr size_t kPageBytes = 4096;
  static constexpr size_t kPerPage = (kPageBytes - 8) / sizeof(JoinEntry);  // 170
  static constexpr double kFill = 0.75;   // entries per primary-page capacity before a split
  static constexpr int kIndsPerGroup = 16;  // consecutive inds that share a bucket

  explicit JoinStore(JoinStoreOptions options = {});
  ~JoinStore();
  JoinStore(const JoinStore&) = delete;
  JoinStore& operator=(const JoinStore&) = delete;

  // Calls partner(const JoinEntry&) for every stored entry with the same ind whose kind
  // `is_partner(kind)` accepts, then stores `e`. The callback must not use the store.
  template <typename IsPartner, typename Partner>
  void Add(const JoinEntry& e, IsPartner&& is_partner, Partner&& partner) {
    if (!ok()) return;
    const uint64_t bucket = BucketOf(e.ind);
    uint32_t ref = static_cast<uint32_t>(bucket), last = ref;
    while (ref != kNoPage) {
      const Page* p = Get(ref);
      if (!p) return;
      for (uint32_t i = 0; i < p->count; ++i) {
        const JoinEntry& x = p->entries[i];
        if (x.ind == e.ind && is_partner(x.kind)) partner(x);
      }
      last = ref;
      ref = p->next;
    }
    Append(last, e);
    ++entries_;
    MaybeSplit();
  }

  Status status() const { return status_; }
  bool ok() const { return status_.has_value(); }
  uint64_t entries() const { return entries_; }
  uint64_t disk_bytes() const { return (buckets_ + overflow_pages_) * kPageBytes; }
  size_t cache_bytes() const { return frames_ * kPageBytes; }
  // Page reads (cache misses) and write-backs so far.
  uint64_t reads() const { return reads_; }
  uint64_t writes() const { return writes_; }

 private:
  static constexpr uint32_t kNoPage = UINT32_MAX;
  static constexpr uint32_t kOverflow = 0x80000000u;  // ref bit: a page of the overflow file
  static constexpr uint64_t kInitialBuckets = 16;
  struct Page {
    uint32_t count, next;  // next: the chain's next overflow page ref, or kNoPage
    JoinEntry entries[kPerPage];
  };
  static_assert(sizeof(Page) <= kPageBytes);

  uint64_t BucketOf(int64_t ind) const;
  // The page `ref` in the cache (read on a miss); valid until the next Get/Fresh. Null on error.
  Page* Get(uint32_t ref);
  // A new empty page `ref` in the cache, dirty, not read.
  Page* Fresh(uint32_t ref);
  Page* Frame(uint32_t ref, bool read);
  void Append(uint32_t last, const JoinEntry& e);  // to the chain whose last page is `last`
  void MaybeSplit();
  void Fail(std::string what);

  Status status_;
  int fds_[2] = {-1, -1};  // bucket file, overflow file
  size_t frames_ = 0;
  std::unique_ptr<std::byte[]> data_;  // frames_ pages, untouched until used
  std::vector<uint32_t> tags_;         // page ref held by each frame, or kNoPage
  std::vector<uint8_t> dirty_;
  uint64_t level_ = 0, split_ = 0, buckets_ = 0;  // buckets_ = (kInitialBuckets << level_) + split_
  uint64_t overflow_pages_ = 0;
  std::vector<uint32_t> free_overflow_;
  std::vector<JoinEntry> scratch_;
  uint64_t entries_ = 0, reads_ = 0, writes_ = 0;
};

}  // namespace pinpipe::live
