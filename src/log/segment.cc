#include "log/segment.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "common/mutex.h"
#include "log/file_cache.h"
#include "log/record_batch.h"
#include "log/recovery_point.h"

namespace pinpipe::log {

std::string SegmentFileName(int64_t base_offset, std::string_view ext) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(base_offset));
  std::string name(buf);
  name += '.';
  name += ext;
  return name;
}

namespace {
void EncodeIndexEntry(const IndexEntry& e, char* out) {
  WriteBigEndian32(out, static_cast<int32_t>(e.relative_offset));
  WriteBigEndian32(out + 4, static_cast<int32_t>(e.position));
}
}  // namespace

Segment::Segment(FileSystem* fs, std::string dir, int64_t base_offset)
    : fs_(fs),
      dir_(std::move(dir)),
      log_path_(JoinPath(dir_, SegmentFileName(base_offset, "log"))),
      index_path_(JoinPath(dir_, SegmentFileName(base_offset, "index"))),
      base_offset_(base_offset),
      next_offset_(base_offset) {}

Segment::~Segment() = default;

Result<std::unique_ptr<Segment>> Segment::Create(FileSystem* fs, const std::string& dir,
                                                 int64_t base_offset) {
  std::unique_ptr<Segment> s(new Segment(fs, dir, base_offset));
  PINPIPE_ASSIGN_OR_RETURN(s->log_, fs->Open(s->log_path_, kOpenWrite | kOpenCreate | kOpenTruncate));
  PINPIPE_ASSIGN_OR_RETURN(s->index_file_,
                           fs->Open(s->index_path_, kOpenWrite | kOpenCreate | kOpenTruncate));
  return s;
}

Result<std::unique_ptr<Segment>> Segment::Open(FileSystem* fs, const std::string& dir,
                                               int64_t base_offset, bool full_scan,
                                               uint64_t index_interval_bytes, SegmentScan* scan,
                                               const RecoveryPoint* resume, int64_t sealed_end) {
  std::unique_ptr<Segment> s(new Segment(fs, dir, base_offset));
  PINPIPE_ASSIGN_OR_RETURN(s->log_, fs->Open(s->log_path_, kOpenWrite));
  PINPIPE_ASSIGN_OR_RETURN(s->index_file_, fs->Open(s->index_path_, kOpenWrite | kOpenCreate));
  PINPIPE_ASSIGN_OR_RETURN(uint64_t file_size, s->log_->Size());
  scan->file_bytes = file_size;
  if (!full_scan) {
    // Trust the index; walk the headers after its last entry to find the end.
    if (s->LoadIndex(file_size)) {
      uint64_t pos = s->index_.empty() ? 0 : s->index_.back().position;
      int64_t next = s->index_.empty() ? base_offset
                                       : base_offset + s->index_.back().relative_offset;
      // Walk (and CRC-check) the few batches after the last index entry, adding the entries
      // the index file lags by (the group commit writes them in batches).
      const size_t on_disk = s->index_.size();
      uint64_t since_index = 0;
      bool ok = true;
      std::string batch;
      int64_t max_ts = -1;
      while (pos < file_size) {
        batch.resize(kBatchHeaderSize);
        auto n = s->log_->PRead(pos, batch.data(), kBatchHeaderSize);
        if (!n || *n < kBatchHeaderSize) {
          ok = false;
          break;
        }
        auto h = ParseBatchHeader(batch);
        if (!h || h->magic != kMagicV2 || h->base_offset != next ||
            h->batch_length < static_cast<int32_t>(kBatchHeaderSize - kBatchLogOverhead) ||
            pos + h->size() > file_size) {
          ok = false;
          break;
        }
        batch.resize(h->size());
        n = s->log_->PRead(pos, batch.data(), batch.size());
        if (!n || *n != batch.size() || !ValidateBatch(batch, true)) {
          ok = false;
          break;
        }
        if (since_index >= index_interval_bytes && pos > 0) {
          s->index_.push_back(
              {static_cast<uint32_t>(next - base_offset), static_cast<uint32_t>(pos)});
          since_index = 0;
        }
        since_index += h->size();
        max_ts = std::max(max_ts, h->max_timestamp);
        next = h->next_offset();
        pos += h->size();
      }
      if (ok) {
        s->size_.store(file_size);
        s->written_ = file_size;
        s->bytes_since_index_ = since_index;
        s->index_written_ = on_disk;
        std::string added;
        s->TakeIndexEntries(added);
        if (!added.empty()) (void)s->index_file_->PWrite(on_disk * 8, added);  // advisory
        s->next_offset_ = next;
        s->max_timestamp_.store(max_ts);
        scan->valid_bytes = file_size;
        scan->next_offset = next;
        return s;
      }
    }
    // Index or tail does not match: fall through to a full scan.
  } else if (resume != nullptr && resume->segment_base == base_offset &&
             resume->position <= file_size && s->LoadIndex(file_size)) {
    // Entries past the point may describe bytes the crash tore.
    while (!s->index_.empty() && s->index_.back().position >= resume->position) {
      s->index_.pop_back();
    }
    if (s->EndsABatchAt(*resume, index_interval_bytes)) {
      PINPIPE_RETURN_IF_ERROR(s->Recover(index_interval_bytes, scan, resume, sealed_end));
      return s;
    }
  }
  PINPIPE_RETURN_IF_ERROR(s->Recover(index_interval_bytes, scan, nullptr, sealed_end));
  return s;
}

bool Segment::EndsABatchAt(const RecoveryPoint& rp, uint64_t index_interval_bytes) {
  // A point that is not our own (a stale or foreign file) must not be trusted: resuming where
  // no batch starts would cut the segment there. So walk the batch headers from the last index
  // entry before it, which must arrive exactly at its position and next offset.
  uint64_t pos = index_.empty() ? 0 : index_.back().position;
  int64_t next = base_offset_ + (index_.empty() ? 0 : index_.back().relative_offset);
  constexpr uint64_t kMaxWalk = 16u << 20;  // farther than the lane ever lets an index lag
  if (rp.position < pos || rp.position - pos > kMaxWalk) return false;
  std::string buf(rp.position - pos, '\0');
  auto n = log_->PRead(pos, buf.data(), buf.size());
  if (!n || *n != buf.size()) return false;
  size_t at = 0;
  std::vector<IndexEntry> added;
  uint64_t since_index = 0;  // the walk starts at an entry (or at 0)
  while (at < buf.size()) {
    if (buf.size() - at < kBatchHeaderSize) return false;
    const char* h = buf.data() + at;
    const int32_t len = ReadBigEndian32(h + kBatchLengthPos);
    if (ReadBigEndian64(h) != next ||
        len < static_cast<int32_t>(kBatchHeaderSize - kBatchLogOverhead) ||
        static_cast<uint64_t>(len) + kBatchLogOverhead > buf.size() - at) {
      return false;
    }
    if (since_index >= index_interval_bytes && pos + at > 0) {
      added.push_back({static_cast<uint32_t>(next - base_offset_), static_cast<uint32_t>(pos + at)});
      since_index = 0;
    }
    since_index += static_cast<uint64_t>(len) + kBatchLogOverhead;
    next += static_cast<int64_t>(ReadBigEndian32(h + kLastOffsetDeltaPos)) + 1;
    at += static_cast<size_t>(len) + kBatchLogOverhead;
  }
  if (next != rp.next_offset) return false;
  index_.insert(index_.end(), added.begin(), added.end());
  return true;
}

Status Segment::LoadIndex(uint64_t file_size) {
  index_.clear();
  PINPIPE_ASSIGN_OR_RETURN(uint64_t isize, index_file_->Size());
  if (isize % 8 != 0) return MakeError(ErrorCode::kCorruption, "index size");
  std::string buf(isize, '\0');
  PINPIPE_ASSIGN_OR_RETURN(size_t n, index_file_->PRead(0, buf.data(), isize));
  if (n != isize) return MakeError(ErrorCode::kCorruption, "index short read");
  uint32_t prev_rel = 0, prev_pos = 0;
  for (size_t i = 0; i < isize; i += 8) {
    auto rel = static_cast<uint32_t>(ReadBigEndian32(buf.data() + i));
    auto pos = static_cast<uint32_t>(ReadBigEndian32(buf.data() + i + 4));
    // Entries are strictly increasing and never at position 0 (the implicit first entry).
    if (pos == 0 || pos <= prev_pos || (i > 0 && rel <= prev_rel) || pos >= file_size) {
      index_.clear();
      return MakeError(ErrorCode::kCorruption, "index entry out of order");
    }
    index_.push_back({rel, pos});
    prev_rel = rel;
    prev_pos = pos;
  }
  return OkStatus();
}

Status Segment::WriteIndexFile() {
  std::string buf(index_.size() * 8, '\0');
  for (size_t i = 0; i < index_.size(); ++i) EncodeIndexEntry(index_[i], buf.data() + i * 8);
  index_written_ = index_.size();
  PINPIPE_RETURN_IF_ERROR(index_file_->Truncate(0));
  return index_file_->PWrite(0, buf);
}

// Reads the whole segment in large chunks, validating every batch (length, magic, CRC,
// contiguous offsets), and rebuilds the index (AK LogSegment.recover, kafka.md §3.2). Damage
// followed by a readable batch, or anywhere in a sealed segment, is kept as a gap; only the
// active segment's torn tail is cut.
Status Segment::Recover(uint64_t index_interval_bytes, SegmentScan* scan,
                        const RecoveryPoint* from, int64_t sealed_end) {
  const uint64_t file_size = scan->file_bytes;
  if (from == nullptr) {
    index_.clear();
    gaps_.clear();
  }
  uint64_t pos = from != nullptr ? from->position : 0;
  const uint64_t start = pos;
  bytes_since_index_ = index_.empty() ? pos : pos - index_.back().position;
  int64_t next = from != nullptr ? from->next_offset : base_offset_;
  int64_t max_ts = from != nullptr ? from->max_timestamp : -1;
  std::string buf;
  uint64_t buf_pos = 0;  // file position of buf[0]
  constexpr size_t kChunk = 4u << 20;
  auto ensure = [&](uint64_t at, size_t need) -> Status {
    if (at >= buf_pos && at + need <= buf_pos + buf.size()) return OkStatus();
    size_t want = std::max<size_t>(need, kChunk);
    want = static_cast<size_t>(std::min<uint64_t>(want, file_size - at));
    buf.resize(want);
    PINPIPE_ASSIGN_OR_RETURN(size_t n, log_->PRead(at, buf.data(), want));
    buf.resize(n);
    buf_pos = at;
    if (n < need) return MakeError(ErrorCode::kCorruption, "short read");
    return OkStatus();
  };
  // What is wrong with the bytes at `pos` ("" = a good batch of *size bytes, header *hdr).
  auto check = [&](uint64_t* size, BatchHeader* hdr) -> std::string {
    if (file_size - pos < kBatchHeaderSize) {
      return "truncated batch header at position " + std::to_string(pos);
    }
    if (!ensure(pos, kBatchHeaderSize)) return "read error at position " + std::to_string(pos);
    const char* p = buf.data() + (pos - buf_pos);
    int32_t len = ReadBigEndian32(p + kBatchLengthPos);
    if (len < static_cast<int32_t>(kBatchHeaderSize - kBatchLogOverhead)) {
      return "invalid batch length at position " + std::to_string(pos);
    }
    *size = static_cast<uint64_t>(len) + kBatchLogOverhead;
    if (pos + *size > file_size) return "truncated batch at position " + std::to_string(pos);
    if (!ensure(pos, *size)) return "read error at position " + std::to_string(pos);
    p = buf.data() + (pos - buf_pos);
    auto h = ValidateBatch(std::string_view(p, *size), /*allow_control=*/true);
    if (!h) return h.error().message() + " at position " + std::to_string(pos);
    if (h->base_offset != next) {
      return "unexpected base offset " + std::to_string(h->base_offset) + " at position " +
             std::to_string(pos);
    }
    *hdr = *h;
    return "";
  };
  std::string problem;
  uint64_t keep = 0;  // bytes kept (file_size when damage at the end of a sealed segment stays)
  while (pos < file_size) {
    // No batch starts with a zero length: zeros are space a DirectAppender filled ahead of
    // the data, free rather than torn, provided nothing but zeros follows. Fewer zeros than
    // reach the length field are a torn header (a base offset starts with zero bytes).
    const size_t probe = kBatchLengthPos + 4;
    if (file_size - pos >= probe && ensure(pos, probe) &&
        std::all_of(buf.data() + (pos - buf_pos), buf.data() + (pos - buf_pos) + probe,
                    [](char c) { return c == 0; })) {
      PINPIPE_ASSIGN_OR_RETURN(bool zeros, IsZeroTail(pos, file_size));
      if (zeros) {
        scan->free_bytes = file_size - pos;
        break;
      }
    }
    uint64_t size = 0;
    BatchHeader h{};
    std::string bad = check(&size, &h);
    if (!bad.empty()) {
      // Damage at pos: is there a readable batch after it?
      PINPIPE_ASSIGN_OR_RETURN(auto found, FindNextBatch(pos + 1, file_size, next - 1, sealed_end));
      if (found) {
        SegmentGap g{pos, found->pos, next, found->base_offset, bad};
        gaps_.push_back(g);
        scan->gaps.push_back(std::move(g));
        // Lookups of offsets after the gap start from the batch after it.
        index_.push_back({static_cast<uint32_t>(found->base_offset - base_offset_),
                          static_cast<uint32_t>(found->pos)});
        bytes_since_index_ = 0;
        pos = found->pos;
        next = found->base_offset;
        buf_pos = 0;
        buf.clear();
        continue;
      }
      if (sealed_end >= 0) {
        // A sealed segment is never cut: what is left of it is unreadable up to the next
        // segment's first offset.
        if (next < sealed_end) {
          SegmentGap g{pos, file_size, next, sealed_end, bad};
          gaps_.push_back(g);
          scan->gaps.push_back(std::move(g));
          next = sealed_end;
        }
        keep = file_size;
        break;
      }
      problem = std::move(bad);  // the active segment's torn tail
      break;
    }
    if (bytes_since_index_ >= index_interval_bytes && pos > 0) {
      index_.push_back({static_cast<uint32_t>(next - base_offset_), static_cast<uint32_t>(pos)});
      bytes_since_index_ = 0;
    }
    bytes_since_index_ += size;
    max_ts = std::max(max_ts, h.max_timestamp);
    next = h.next_offset();
    pos += size;
  }
  if (keep > pos) pos = keep;
  if (pos < file_size && !problem.empty()) PINPIPE_RETURN_IF_ERROR(log_->Truncate(pos));
  PINPIPE_RETURN_IF_ERROR(WriteIndexFile());
  size_.store(pos);
  written_ = pos;
  next_offset_ = next;
  max_timestamp_.store(max_ts);
  scan->valid_bytes = pos;
  scan->next_offset = next;
  scan->validated_bytes = pos - start;
  scan->problem = std::move(problem);
  return OkStatus();
}

Result<std::optional<BatchFound>> Segment::FindNextBatch(uint64_t from, uint64_t limit,
                                                         int64_t after, int64_t before) const {
  constexpr size_t kChunk = 1u << 20;
  PINPIPE_ASSIGN_OR_RETURN(std::shared_ptr<File> file, ReadFile());
  std::string chunk;
  std::string batch;
  for (uint64_t at = from; at + kBatchHeaderSize <= limit;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, limit - at));
    chunk.resize(want);
    PINPIPE_ASSIGN_OR_RETURN(size_t n, file->PRead(at, chunk.data(), want));
    if (n < kBatchHeaderSize) break;
    // Candidates start in [at, at + n - header): each header lies within the chunk.
    const size_t last = n - kBatchHeaderSize;
    for (size_t i = 0; i <= last; ++i) {
      const char* p = chunk.data() + i;
      if (p[kMagicPos] != kMagicV2) continue;
      const int64_t base = ReadBigEndian64(p);
      const int32_t len = ReadBigEndian32(p + kBatchLengthPos);
      if (base <= after || (before >= 0 && base >= before) ||
          len < static_cast<int32_t>(kBatchHeaderSize - kBatchLogOverhead)) {
        continue;
      }
      const uint64_t size = static_cast<uint64_t>(len) + kBatchLogOverhead;
      const uint64_t q = at + i;
      if (q + size > limit) continue;
      batch.resize(size);
      PINPIPE_ASSIGN_OR_RETURN(size_t m, file->PRead(q, batch.data(), size));
      if (m == size && ValidateBatch(batch, /*allow_control=*/true)) {
        return std::optional<BatchFound>(BatchFound{q, base});
      }
    }
    at += last + 1;
  }
  return std::optional<BatchFound>();
}

const SegmentGap* Segment::GapAfter(uint64_t pos) const {
  for (const auto& g : gaps_) {
    if (g.end_pos > pos) return &g;
  }
  return nullptr;
}

bool Segment::AddGap(SegmentGap gap) {
  auto it = std::lower_bound(gaps_.begin(), gaps_.end(), gap.pos,
                             [](const SegmentGap& g, uint64_t p) { return g.pos < p; });
  if (it != gaps_.end() && it->pos == gap.pos) return false;
  gaps_.insert(it, std::move(gap));
  return true;
}

Result<bool> Segment::IsZeroTail(uint64_t from, uint64_t file_size) const {
  std::string buf(std::min<uint64_t>(file_size - std::min(from, file_size), 1u << 20), '\0');
  for (uint64_t pos = from; pos < file_size;) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), file_size - pos));
    PINPIPE_ASSIGN_OR_RETURN(size_t n, log_->PRead(pos, buf.data(), want));
    if (n == 0) break;
    for (size_t i = 0; i < n; ++i) {
      if (buf[i] != 0) return false;
    }
    pos += n;
  }
  return true;
}

bool Segment::UseDirectWrites(uint64_t chunk) {
  if (!buffered_ || !unwritten_.empty()) return false;
  auto d = DirectAppender::Open(fs_, log_path_, written_, chunk);
  if (!d) return false;
  direct_ = std::move(*d);
  return true;
}

Status Segment::Seal() {
  if (!index_file_) return OkStatus();  // retired: sealed long ago
  if (buffered_ && index_written_ < index_.size()) {
    uint64_t pos = index_written_ * 8;
    std::string rest;
    TakeIndexEntries(rest);
    (void)index_file_->PWrite(pos, rest);  // advisory, like every index write
  }
  if (!direct_) return OkStatus();
  Status st = direct_->Seal();
  direct_.reset();
  return st;
}

Status Segment::Append(std::span<const std::string_view> parts, size_t bytes,
                       int64_t base_offset, int64_t next_offset, int64_t max_timestamp,
                       uint64_t index_interval_bytes) {
  uint64_t pos = size_.load(std::memory_order_relaxed);
  if (buffered_) {
    for (std::string_view part : parts) unwritten_.append(part);
  } else {
    Status st = log_->PWriteV(pos, parts);
    if (!st) {
      (void)log_->Truncate(pos);  // drop a partial write so the tail stays parseable
      return st;
    }
  }
  if (bytes_since_index_ >= index_interval_bytes && pos > 0) {
    IndexEntry e{static_cast<uint32_t>(base_offset - base_offset_), static_cast<uint32_t>(pos)};
    if (buffered_) {
      index_.push_back(e);  // written to the index file by WriteUnwritten
    } else {
      char b[8];
      EncodeIndexEntry(e, b);
      // The index is advisory (rebuilt when it does not match), so a failure here is ignored.
      if (index_file_->PWrite(index_.size() * 8, std::string_view(b, 8))) index_.push_back(e);
      index_written_ = index_.size();
    }
    bytes_since_index_ = 0;
  }
  bytes_since_index_ += bytes;
  next_offset_ = next_offset;
  if (max_timestamp > max_timestamp_.load(std::memory_order_relaxed)) {
    max_timestamp_.store(max_timestamp, std::memory_order_relaxed);
  }
  size_.store(pos + bytes, std::memory_order_release);
  return OkStatus();
}

void Segment::TakeUnwritten(Unwritten& out, bool whole_index) {
  out.data.clear();
  out.data.swap(unwritten_);
  out.pos = written_;
  written_ += out.data.size();
  out.index.clear();
  out.index_pos = index_written_ * 8;
  if (whole_index || index_.size() - index_written_ >= kIndexWriteBatch) {
    TakeIndexEntries(out.index);
  }
}

void Segment::TakeIndexEntries(std::string& out) {
  for (; index_written_ < index_.size(); ++index_written_) {
    char b[8];
    EncodeIndexEntry(index_[index_written_], b);
    out.append(b, 8);
  }
}

Status Segment::WriteUnwritten(const Unwritten& u) {
  if (direct_ && !u.data.empty()) {
    if (u.pos != direct_->end()) {
      return MakeError(ErrorCode::kInternal, "direct write out of order in " + log_path_);
    }
    PINPIPE_RETURN_IF_ERROR(direct_->Append(u.data));
  } else if (!u.data.empty()) {
    PINPIPE_RETURN_IF_ERROR(log_->PWrite(u.pos, u.data));
  }
  // Advisory, like every index write: a bad index is rebuilt at open.
  if (!u.index.empty()) (void)index_file_->PWrite(u.index_pos, u.index);
  return OkStatus();
}

uint64_t Segment::IndexLookup(int64_t offset) const { return IndexLookupEntry(offset).first; }

std::pair<uint64_t, int64_t> Segment::IndexLookupEntry(int64_t offset) const {
  if (offset <= base_offset_) return {0, base_offset_};
  auto rel = static_cast<uint64_t>(offset - base_offset_);
  auto it = std::upper_bound(index_.begin(), index_.end(), rel,
                             [](uint64_t r, const IndexEntry& e) { return r < e.relative_offset; });
  if (it == index_.begin()) return {0, base_offset_};
  --it;
  return {it->position, base_offset_ + it->relative_offset};
}

Result<BatchAt> Segment::FindBatch(int64_t offset, uint64_t from, int64_t from_offset,
                                   uint64_t limit) const {
  char hdr[kLastOffsetDeltaPos + 4];
  uint64_t pos = from;
  int64_t expect = from_offset;
  PINPIPE_ASSIGN_OR_RETURN(std::shared_ptr<File> file, ReadFile());
  while (pos + sizeof hdr <= limit) {
    PINPIPE_ASSIGN_OR_RETURN(size_t n, file->PRead(pos, hdr, sizeof hdr));
    if (n < sizeof hdr) break;
    int64_t base = ReadBigEndian64(hdr);
    int32_t len = ReadBigEndian32(hdr + kBatchLengthPos);
    int32_t delta = ReadBigEndian32(hdr + kLastOffsetDeltaPos);
    // A header that cannot be the batch expected here: damage the caller checks and skips.
    if (len < static_cast<int32_t>(kBatchHeaderSize - kBatchLogOverhead) || base != expect ||
        delta < 0 || hdr[kMagicPos] != kMagicV2 ||
        pos + static_cast<uint64_t>(len) + kBatchLogOverhead > limit) {
      return BatchAt{pos, expect, true};
    }
    if (base + delta >= offset) return BatchAt{pos, expect, false};
    pos += static_cast<uint64_t>(len) + kBatchLogOverhead;
    expect = base + delta + 1;
  }
  return BatchAt{limit, expect, false};
}

Result<std::shared_ptr<File>> Segment::ReadFile() const {
  ReadFileCache* cache;
  {
    MutexLock lock(file_mu_);
    if (log_) return log_;
    cache = cache_;
  }
  return cache->Get(log_path_);
}

void Segment::Retire(ReadFileCache* cache) {
  std::shared_ptr<File> log;
  std::unique_ptr<File> index;
  {
    MutexLock lock(file_mu_);
    if (cache_ != nullptr || cache == nullptr) return;
    cache_ = cache;
    log = std::move(log_);
    index = std::move(index_file_);
  }
  // Closed here, outside the lock (a reader may still hold `log` a little longer).
}

Status Segment::Delete() {
  {
    MutexLock lock(file_mu_);
    if (cache_ != nullptr) cache_->Forget(log_path_);
  }
  Status a = fs_->Unlink(log_path_);
  Status b = fs_->Unlink(index_path_);
  return a ? b : a;
}

}  // namespace pinpipe::log
