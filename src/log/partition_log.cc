#include "log/partition_log.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <tuple>

#include "common/logging.h"
#include "common/mutex.h"
#include "log/flusher.h"
#include "log/record_batch.h"
#include "log/recovery_point.h"
#include "log/topic_configs.h"

namespace pinpipe::log {
namespace {

// What a partition keeps of its group-commit write buffer between rounds (flush=always).
constexpr size_t kKeptWriteBufferBytes = 256u << 10;

// Grows `out` to `size` bytes without zero-filling the new tail (a read overwrites it; zeroing
// MiBs of a Fetch answer first cost as much as the read). The tail is indeterminate until then.
// The callback returns `size`, not its second argument: GCC 12's libstdc++ passes the grown
// capacity there.
void GrowUninitialized(std::string& out, size_t size) {
  out.resize_and_overwrite(size, [size](char*, size_t) { return size; });
}

}  // namespace

PartitionLog::PartitionLog(const PartitionContext& ctx, std::string dir, std::string topic,
                           int32_t partition)
    : ctx_(ctx),
      dir_(std::move(dir)),
      topic_(std::move(topic)),
      partition_(partition),
      ack_on_sync_(ctx.options->flush.mode == FlushPolicy::Mode::kAlways),
      lane_(ctx.flusher != nullptr ? ctx.flusher->AssignLane() : 0) {
  if (ctx_.topic_configs != nullptr) limits_ = ctx_.topic_configs->LimitsFor(topic_);
}

uint64_t PartitionLog::SegmentBytes() const {
  const auto global = static_cast<int64_t>(ctx_.options->segment_bytes);
  return static_cast<uint64_t>(limits_ ? TopicLimits::Or(limits_->segment_bytes, global) : global);
}

PartitionLog::~PartitionLog() = default;

Result<std::unique_ptr<PartitionLog>> PartitionLog::Open(const PartitionContext& ctx,
                                                         const std::string& log_dir,
                                                         std::string topic, int32_t partition,
                                                         std::vector<RecoveryReport>* reports) {
  std::string dir = JoinPath(log_dir, topic + "-" + std::to_string(partition));
  std::unique_ptr<PartitionLog> p(new PartitionLog(ctx, dir, std::move(topic), partition));
  // Not shared until returned: the locks cost nothing here and let the analysis check the rest.
  MutexLock sync_lock(p->sync_mu_);
  MutexLock lock(p->mu_);
  FileSystem* fs = ctx.fs;
  bool created = !fs->Exists(dir);
  PINPIPE_RETURN_IF_ERROR(fs->MkdirAll(dir));
  if (created) PINPIPE_RETURN_IF_ERROR(fs->SyncDir(log_dir));

  PINPIPE_ASSIGN_OR_RETURN(auto names, fs->List(dir));
  std::vector<int64_t> bases;
  for (const auto& name : names) {
    if (name.size() == 24 && name.ends_with(".log")) {
      char* end = nullptr;
      long long base = std::strtoll(name.c_str(), &end, 10);
      if (end == name.c_str() + 20 && base >= 0) bases.push_back(base);
    } else if (name.ends_with(".tmp")) {
      (void)fs->Unlink(JoinPath(dir, name));
    }
  }
  std::sort(bases.begin(), bases.end());
  // After a crash, how far the active segment is known good (written by the lane).
  std::optional<RecoveryPoint> point;
  if (!ctx.clean_shutdown && !bases.empty()) point = ReadRecoveryPoint(fs, dir);
  if (bases.empty()) {
    PINPIPE_ASSIGN_OR_RETURN(auto seg, Segment::Create(fs, dir, 0));
    PINPIPE_RETURN_IF_ERROR(fs->SyncDir(dir));
    p->segments_.push_back(std::move(seg));
  }
  for (size_t i = 0; i < bases.size(); ++i) {
    bool last = i + 1 == bases.size();
    const int64_t sealed_end = last ? -1 : bases[i + 1];
    SegmentScan scan;
    // Older segments were fsynced when they were rolled: trust their index. The active
    // segment holds whatever was in flight at a crash: validate every batch, unless the last
    // run shut down cleanly.
    PINPIPE_ASSIGN_OR_RETURN(auto seg, Segment::Open(fs, dir, bases[i],
                                                     /*full_scan=*/last && !ctx.clean_shutdown,
                                                     ctx.options->index_interval_bytes, &scan,
                                                     last && point ? &*point : nullptr,
                                                     sealed_end));
    ctx.metrics->recovery_validated_bytes.fetch_add(scan.validated_bytes,
                                                    std::memory_order_relaxed);
    if (!last && seg->next_offset() != bases[i + 1]) {
      // A hole or overlap between segments: recover this one fully to learn what it holds.
      SegmentScan full;
      PINPIPE_ASSIGN_OR_RETURN(seg, Segment::Open(fs, dir, bases[i], true,
                                                  ctx.options->index_interval_bytes, &full,
                                                  nullptr, sealed_end));
      scan = full;
    }
    if (!last && seg->next_offset() < bases[i + 1]) {
      // No segment holds the offsets up to the next one (a segment file was lost): a gap
      // without bytes, so that readers skip it and the loss is reported like any other.
      SegmentGap g{seg->size(), seg->size(), seg->next_offset(), bases[i + 1],
                   "no segment file holds these offsets (a segment was lost)"};
      seg->AddGap(g);
      scan.gaps.push_back(std::move(g));
    }
    // Sealed: its descriptors close; reads open it on demand.
    if (!last) seg->Retire(ctx.files);
    if (reports != nullptr) {
      for (const SegmentGap& g : scan.gaps) {
        RecoveryReport r;
        r.topic = p->topic_;
        r.partition = partition;
        r.file = seg->log_path();
        r.kept_start_offset = bases.front();
        r.kept_end_offset = last ? scan.next_offset : bases[i + 1];
        r.reason = g.reason + "; bytes " + std::to_string(g.pos) + ".." +
                   std::to_string(g.end_pos) + " unreadable";
        r.index_rebuilt = true;
        r.lost_start_offset = g.first_offset;
        r.lost_end_offset = g.next_offset;
        reports->push_back(std::move(r));
      }
    }
    ctx.metrics->unreadable_ranges.fetch_add(scan.gaps.size(), std::memory_order_relaxed);
    if (scan.valid_bytes + scan.free_bytes < scan.file_bytes && reports != nullptr) {
      RecoveryReport r;
      r.topic = p->topic_;
      r.partition = partition;
      r.file = seg->log_path();
      r.bytes_cut = scan.file_bytes - scan.valid_bytes;
      r.kept_start_offset = bases.front();
      r.kept_end_offset = scan.next_offset;
      r.reason = scan.problem;
      r.index_rebuilt = true;
      reports->push_back(std::move(r));
    }
    p->segments_.push_back(std::move(seg));
  }
  const auto& active = p->segments_.back();
  p->StartWriting(*active);
  p->leo_ = active->next_offset();
  p->log_start_.store(p->segments_.front()->base_offset());
  p->leo_pub_.store(p->leo_);
  p->PublishVisible(p->leo_, active.get(), active->size());
  p->synced_offset_ = p->leo_;
  return p;
}

void PartitionLog::StartWriting(Segment& seg) {
  seg.set_buffered(ack_on_sync_);
  if (ack_on_sync_ && ctx_.options->direct_io) {
    // Zero-fill ahead in steps of at most 1 MiB: large enough to be rare (a 1 MiB step takes
    // the lane ~0.6 ms here), small enough not to show in the p99.
    (void)seg.UseDirectWrites(std::min<uint64_t>(1u << 20, SegmentBytes()));
  }
}

Status PartitionLog::Seal() {
  MutexLock sync_lock(sync_mu_);
  MutexLock lock(mu_);
  if (deleted_.load(std::memory_order_relaxed)) return OkStatus();
  return segments_.back()->Seal();
}

Error PartitionLog::DeletedError() const {
  return Error(ErrorCode::kNotFound, "topic '" + topic_ + "' was deleted");
}

void PartitionLog::Drop(std::vector<std::move_only_function<void()>>* fire) {
  std::vector<std::shared_ptr<Segment>> segments;
  std::deque<Pending> pending;
  {
    MutexLock sync_lock(sync_mu_);
    MutexLock lock(mu_);
    if (deleted_.load(std::memory_order_relaxed)) return;
    deleted_.store(true, std::memory_order_release);
    segments.swap(segments_);
    for (auto& s : rolled_unsynced_) segments.push_back(std::move(s));
    rolled_unsynced_.clear();
    pending.swap(pending_);
  }
  for (auto& p : pending) {
    fire->push_back([done = std::move(p.done), err = DeletedError()]() mutable {
      done(Result<AppendResult>(std::unexpected(err)));
    });
  }
  {
    MutexLock lock(wait_mu_);
    for (auto& w : waiters_) {
      if (w.fn) fire->push_back(std::move(w.fn));
    }
    waiter_count_.fetch_sub(static_cast<int>(waiters_.size()));
    waiters_.clear();
  }
  wait_cv_.NotifyAll();  // blocking waiters see deleted()
  // `segments` goes here: a segment no read holds closes its files now.
}

void PartitionLog::PublishVisible(int64_t offset, const Segment* seg, uint64_t pos) {
  visible_base_ = seg->base_offset();
  visible_pos_ = pos;
  hwm_.store(offset, std::memory_order_release);
}

uint64_t PartitionLog::VisibleLimit(const Segment* seg) const {
  if (seg->base_offset() < visible_base_) return seg->size();
  if (seg->base_offset() == visible_base_) return visible_pos_;
  return 0;
}

std::optional<std::string> PartitionLog::refusal() const {
  MutexLock lock(mu_);
  if (!failed_) return std::nullopt;
  return failed_->message();
}

Result<AppendResult> PartitionLog::Append(std::string_view tail, int32_t count,
                                          int64_t max_timestamp, AppendCallback& done) {
  const size_t bytes = tail.size() + 8;
  AppendResult result;
  {
    MutexLock lock(mu_);
    if (deleted_.load(std::memory_order_relaxed)) return std::unexpected(DeletedError());
    if (failed_) {
      return MakeError(ErrorCode::kIoError,
                       "partition " + topic_ + "-" + std::to_string(partition_) +
                           " refuses appends after a failed fsync (" + failed_->message() +
                           "); restart to recover");
    }
    Segment* active = segments_.back().get();
    if (active->size() > 0 && active->size() + bytes > SegmentBytes()) {
      auto seg = Segment::Create(ctx_.fs, dir_, leo_);
      if (!seg) return std::unexpected(seg.error());
      StartWriting(**seg);
      if (ctx_.options->flush.mode != FlushPolicy::Mode::kOs) {
        rolled_unsynced_.push_back(segments_.back());  // retired by the lane once synced
      } else {
        segments_.back()->Retire(ctx_.files);  // written directly and never synced
      }
      segments_.push_back(std::move(*seg));
      active = segments_.back().get();
    }
    char base_be[8];
    WriteBigEndian64(base_be, leo_);
    std::string_view parts[2] = {std::string_view(base_be, 8), tail};
    PINPIPE_RETURN_IF_ERROR(active->Append(parts, bytes, leo_, leo_ + count, max_timestamp,
                                           ctx_.options->index_interval_bytes));
    result.base_offset = leo_;
    result.last_offset = leo_ + count - 1;
    leo_ += count;
    leo_pub_.store(leo_, std::memory_order_relaxed);
    if (ack_on_sync_) {
      if (done) pending_.push_back(Pending{leo_, result, std::move(done)});
    } else {
      PublishVisible(leo_, active, active->size());
    }
  }
  if (ack_on_sync_) {
    if (!queued.exchange(true, std::memory_order_acq_rel)) ctx_.flusher->Enqueue(this);
  } else {
    if (ctx_.options->flush.mode == FlushPolicy::Mode::kInterval &&
        !queued.exchange(true, std::memory_order_acq_rel)) {
      ctx_.flusher->Enqueue(this);
    }
    NotifyWaiters();
    if (done) done(Result<AppendResult>(result));
  }
  return result;
}

bool PartitionLog::SyncOnce() {
  MutexLock sync_lock(sync_mu_);
  int64_t target;
  std::shared_ptr<Segment> seg;
  uint64_t pos;
  int64_t max_ts;
  std::vector<std::shared_ptr<Segment>> rolled;
  std::vector<Segment::Unwritten> rolled_bytes;
  {
    MutexLock lock(mu_);
    if (failed_ || deleted_.load(std::memory_order_relaxed)) return false;
    target = leo_;
    seg = segments_.back();
    pos = seg->size();
    max_ts = seg->max_timestamp();
    rolled.swap(rolled_unsynced_);
    rolled_bytes.resize(rolled.size());
    for (size_t i = 0; i < rolled.size(); ++i) {
      rolled[i]->TakeUnwritten(rolled_bytes[i], /*whole_index=*/true);
    }
    seg->TakeUnwritten(unwritten_);
  }
  Status st = OkStatus();
  if (target != synced_offset_ || !rolled.empty()) {
    auto t0 = std::chrono::steady_clock::now();
    // Buffered appends (flush=always) reach the file here, one write per segment per round.
    for (size_t i = 0; i < rolled.size(); ++i) {
      if (st) st = rolled[i]->WriteUnwritten(rolled_bytes[i]);
      if (st) st = rolled[i]->Seal();
      if (st) st = rolled[i]->DataSync();
    }
    if (st) st = seg->WriteUnwritten(unwritten_);
    if (st) st = seg->DataSync();
    // A burst's write buffer is not kept by every partition it touched (it would swap back
    // into the segment at the next round): above kKeptWriteBufferBytes it is freed once written.
    if (unwritten_.data.capacity() > kKeptWriteBufferBytes) std::string().swap(unwritten_.data);
    // A new segment file must also be durable in its directory.
    if (st && !rolled.empty()) st = ctx_.fs->SyncDir(dir_);
    if (st) {
      for (auto& r : rolled) r->Retire(ctx_.files);  // sealed and durable for good
    }
    auto t1 = std::chrono::steady_clock::now();
    ctx_.metrics->fsyncs.fetch_add(1, std::memory_order_relaxed);
    ctx_.metrics->fsync_latency.Record(
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()));
    if (!st) ctx_.metrics->fsync_errors.fetch_add(1, std::memory_order_relaxed);
  }
  std::vector<Pending>& done = acked_;  // reused: no allocation per commit
  {
    MutexLock lock(mu_);
    if (st) {
      synced_offset_ = target;
      if (ack_on_sync_ && target > hwm_.load(std::memory_order_relaxed)) {
        PublishVisible(target, seg.get(), pos);
      }
      while (!pending_.empty() && pending_.front().end_offset <= target) {
        done.push_back(std::move(pending_.front()));
        pending_.pop_front();
      }
    } else {
      // After a failed fsync the kernel may have dropped the dirty pages: nothing written
      // since the last good sync can be trusted, so nothing pending is acknowledged.
      failed_ = st.error();
      for (auto& p : pending_) done.push_back(std::move(p));
      pending_.clear();
    }
  }
  if (!st) {
    Result<AppendResult> err = std::unexpected(st.error());
    for (auto& p : done) p.done(err);
    done.clear();
    return false;
  }
  ctx_.metrics->group_commit_appends.fetch_add(done.size(), std::memory_order_relaxed);
  if (ack_on_sync_) NotifyWaiters();
  for (auto& p : done) p.done(Result<AppendResult>(p.result));
  done.clear();
  MaybeWriteRecoveryPoint(*seg, pos, target, max_ts);
  return true;
}

void PartitionLog::MaybeWriteRecoveryPoint(const Segment& seg, uint64_t pos, int64_t next_offset,
                                           int64_t max_timestamp) {
  const int64_t interval = ctx_.options->recovery_point_interval_ms;
  if (interval < 0 || pos == 0) return;
  if (seg.base_offset() == point_base_ && pos == point_pos_) return;
  constexpr uint64_t kMaxBytesBehind = 16u << 20;  // bounds the scan after a crash at full speed
  const auto now = std::chrono::steady_clock::now();
  if (seg.base_offset() == point_base_ && pos - point_pos_ < kMaxBytesBehind &&
      now - point_time_ < std::chrono::milliseconds(interval)) {
    return;
  }
  RecoveryPoint rp{seg.base_offset(), pos, next_offset, max_timestamp};
  // Advisory: without it a restart after a crash validates the whole segment, as it would anyway.
  if (WriteRecoveryPoint(ctx_.fs, dir_, rp)) {
    ctx_.metrics->recovery_points.fetch_add(1, std::memory_order_relaxed);
  }
  point_base_ = seg.base_offset();
  point_pos_ = pos;
  point_time_ = now;
}

void PartitionLog::FailPending(const Error& error) {
  std::deque<Pending> done;
  {
    MutexLock lock(mu_);
    done.swap(pending_);
  }
  Result<AppendResult> err = std::unexpected(error);
  for (auto& p : done) p.done(err);
}

Result<ReadResult> PartitionLog::Read(int64_t offset, size_t max_bytes, std::string& out) const {
  ReadResult r;
  r.next_offset = offset;
  bool started = false;    // the range check is done
  bool first = true;       // nothing returned yet
  int discoveries = 0;     // damage found by this read (bounded: each one adds a gap)
  bool distrust_index = false;  // damage seen after an index jump: walk from the start
  size_t remaining = max_bytes;
  while (true) {
    std::shared_ptr<Segment> seg;
    uint64_t from, limit, walk_limit;
    int64_t from_offset, seg_end;  // seg_end: offset after the segment's visible batches
    int64_t skip_to = -1;          // offset is in a gap that ends there
    {
      MutexLock lock(mu_);
      if (deleted_.load(std::memory_order_relaxed)) return std::unexpected(DeletedError());
      if (!started) {
        r.high_watermark = hwm_.load(std::memory_order_relaxed);
        r.log_start_offset = log_start_.load(std::memory_order_relaxed);
        r.log_end_offset = leo_;
        if (offset < r.log_start_offset || offset > r.high_watermark) {
          r.out_of_range = true;
          return r;
        }
        started = true;
      }
      if (offset >= r.high_watermark) break;
      auto it = std::upper_bound(
          segments_.begin(), segments_.end(), offset,
          [](int64_t o, const std::shared_ptr<Segment>& s) { return o < s->base_offset(); });
      if (it == segments_.begin()) break;  // deleted by retention meanwhile
      seg = *std::prev(it);
      limit = VisibleLimit(seg.get());
      seg_end = it != segments_.end() && seg->base_offset() < visible_base_
                    ? (*it)->base_offset()
                    : hwm_.load(std::memory_order_relaxed);
      std::tie(from, from_offset) = distrust_index ? std::pair<uint64_t, int64_t>{0, seg->base_offset()}
                                                   : seg->IndexLookupEntry(offset);
      walk_limit = limit;
      // Damage kept in this segment: pass over gaps before the offset, stop before the next.
      for (const SegmentGap* g = seg->GapAfter(from); g != nullptr; g = seg->GapAfter(from)) {
        if (g->next_offset <= offset) {
          from = std::max(from, g->end_pos);
          from_offset = std::max(from_offset, g->next_offset);
          continue;
        }
        if (g->first_offset <= offset || g->pos <= from) {
          skip_to = g->next_offset;
        } else {
          walk_limit = std::min(limit, g->pos);
        }
        break;
      }
    }
    if (skip_to < 0) {
      PINPIPE_ASSIGN_OR_RETURN(BatchAt at, seg->FindBatch(offset, from, from_offset, walk_limit));
      if (at.pos >= walk_limit && !at.bad_header) {
        if (walk_limit < limit) {
          skip_to = -2;  // the batch holding offset would be in the gap ahead: take it again
        } else if (limit == seg->size() && seg_end > offset) {
          skip_to = seg_end;  // nothing readable left in this segment below the next one
        } else {
          break;
        }
      }
      if (skip_to == -2) {
        // Re-run the gap logic from the gap's position (it now contains the offset's batch).
        MutexLock lock(mu_);
        const SegmentGap* g = seg->GapAfter(walk_limit);
        skip_to = g != nullptr ? std::max(g->next_offset, offset + 1) : offset + 1;
      }
      if (skip_to < 0) {
        uint64_t pos = at.pos;
        int64_t expect = at.base_offset;
        size_t whole = 0;
        size_t start = out.size();
        int64_t next = offset;
        bool damaged = at.bad_header;
        if (!damaged) {
          // Read whole batches; always at least one when nothing was returned yet (KIP-74).
          size_t want = static_cast<size_t>(std::min<uint64_t>(walk_limit - pos, remaining));
          if (want < kBatchLogOverhead || (!first && want < kBatchHeaderSize)) {
            if (!first || r.bytes > 0) break;
            want = kBatchLogOverhead;
          }
          GrowUninitialized(out, start + want);  // PRead fills it: no zero-fill of MiBs
          PINPIPE_ASSIGN_OR_RETURN(size_t n, seg->PRead(pos, out.data() + start, want));
          out.resize(start + n);
          std::string_view got(out.data() + start, n);
          // Every batch is CRC-checked before it is served (Kafka's check.crcs, done once
          // here for every consumer); the first bad one ends the read.
          while (true) {
            size_t b = FirstBatchSize(got.substr(whole));
            if (b == 0) break;
            auto h = ValidateBatch(got.substr(whole, b), /*allow_control=*/true);
            if (!h || h->base_offset != expect) {
              damaged = whole == 0;
              break;
            }
            next = h->next_offset();
            expect = next;
            whole += b;
          }
          if (whole == 0 && !damaged && r.bytes == 0 && n >= kBatchLogOverhead) {
            // The first batch is larger than max_bytes: return it whole anyway.
            int32_t len = ReadBigEndian32(got.data() + kBatchLengthPos);
            size_t b = static_cast<size_t>(len) + kBatchLogOverhead;
            if (len > 0 && pos + b <= walk_limit) {
              // Its first bytes are already here: read only the rest (a librdkafka producer's
              // 1 MB batches are each a little over a consumer's 1 MiB partition limit).
              const size_t have = std::min(n, b);
              GrowUninitialized(out, start + b);
              PINPIPE_ASSIGN_OR_RETURN(size_t m, seg->PRead(pos + have, out.data() + start + have, b - have));
              auto h = have + m == b ? ValidateBatch(std::string_view(out.data() + start, b), true)
                              : Result<BatchHeader>(MakeError(ErrorCode::kCorruption, "short read"));
              if (h && h->base_offset == expect) {
                whole = b;
                next = h->next_offset();
              } else {
                damaged = true;
              }
            } else if (len <= 0 || pos + b > walk_limit) {
              damaged = true;
            }
          }
          out.resize(start + whole);
        }
        if (damaged) {
          if (r.bytes > 0) break;  // return what came before; the next read meets it
          if (!distrust_index && from > 0) {
            // The index is advisory: a damaged entry can point where no batch starts. Walk
            // the batch headers from the segment's start before calling this damage.
            distrust_index = true;
            continue;
          }
          if (++discoveries > 16) {
            return MakeError(ErrorCode::kCorruption,
                             "partition " + topic_ + "-" + std::to_string(partition_) +
                                 ": repeated damage near offset " + std::to_string(offset));
          }
          PINPIPE_RETURN_IF_ERROR(NoteDamage(seg, pos, expect, limit, seg_end));
          distrust_index = false;
          continue;  // the next round finds the new gap and skips it
        }
        if (whole == 0) break;
        r.bytes += whole;
        r.next_offset = next;
        offset = next;
        remaining = remaining > whole ? remaining - whole : 0;
        first = false;
        if (remaining < kBatchHeaderSize) break;
        continue;
      }
    }
    // Skip the unreadable offsets [offset, skip_to): one gap per read, before any data.
    if (r.bytes > 0 || skip_to <= offset) break;
    if (r.skipped_from < 0) r.skipped_from = offset;
    r.skipped_to = skip_to;
    ctx_.metrics->gap_skips.fetch_add(1, std::memory_order_relaxed);
    offset = skip_to;
    r.next_offset = offset;
  }
  return r;
}

Status PartitionLog::NoteDamage(const std::shared_ptr<Segment>& seg, uint64_t pos, int64_t expect,
                                uint64_t limit, int64_t seg_end) const {
  // Where does readable data resume? The next batch with a good CRC after the damage, else
  // the end of what is visible in this segment.
  PINPIPE_ASSIGN_OR_RETURN(auto found, seg->FindNextBatch(pos + 1, limit, expect - 1, seg_end));
  SegmentGap g{pos, found ? found->pos : limit, expect, found ? found->base_offset : seg_end,
               "batch fails its CRC or header check when read"};
  // (A gap may lose no offset at all: bytes between two batches that follow each other.)
  if (!found && g.next_offset <= g.first_offset) g.next_offset = g.first_offset + 1;
  bool added;
  {
    MutexLock lock(mu_);
    added = seg->AddGap(g);
  }
  if (!added) return OkStatus();  // another reader found it first
  ctx_.metrics->corrupt_batches_read.fetch_add(1, std::memory_order_relaxed);
  ctx_.metrics->unreadable_ranges.fetch_add(1, std::memory_order_relaxed);
  // Once per gap (AddGap deduplicates; later reads skip it quietly), so the number of lines
  // is bounded by the damage, never by how often it is read: every loss is on record.
  spdlog::error("log: {}-{}: corrupt data in {} at bytes {}..{}: offsets {}..{} are unreadable "
                 "and skipped by readers (pinpipe_log_corrupt_batches_read_total)",
                 topic_, partition_, seg->log_path(), g.pos, g.end_pos, g.first_offset,
                 g.next_offset - 1);
  return OkStatus();
}

PartitionInfo PartitionLog::Info() const {
  MutexLock lock(mu_);
  PartitionInfo info;
  info.log_start_offset = log_start_.load();
  info.high_watermark = hwm_.load();
  info.log_end_offset = leo_;
  for (const auto& s : segments_) info.size_bytes += s->size();
  info.segments = static_cast<int32_t>(segments_.size());
  return info;
}

Result<int64_t> PartitionLog::OffsetForTimestamp(int64_t ts_ms) const {
  if (ts_ms == -1) return high_watermark();
  if (ts_ms == -2) return log_start_offset();
  std::vector<std::pair<std::shared_ptr<Segment>, uint64_t>> segs;
  std::vector<std::vector<std::pair<uint64_t, uint64_t>>> gaps;  // byte ranges to jump over
  {
    MutexLock lock(mu_);
    for (const auto& s : segments_) {
      if (s->max_timestamp() >= ts_ms) {
        segs.emplace_back(s, VisibleLimit(s.get()));
        gaps.emplace_back();
        for (const auto& g : s->gaps()) gaps.back().emplace_back(g.pos, g.end_pos);
      }
    }
  }
  // Scan batch headers of the candidate segments (no time index yet).
  char hdr[kBatchHeaderSize];
  for (size_t i = 0; i < segs.size(); ++i) {
    const auto& [seg, limit] = segs[i];
    uint64_t pos = 0;
    while (pos + kBatchHeaderSize <= limit) {
      // Damage kept in the segment (gaps) holds no batch: jump over it.
      bool jumped = false;
      for (const auto& [from, to] : gaps[i]) {
        if (pos >= from && pos < to) {
          pos = to;
          jumped = true;
        }
      }
      if (jumped) continue;
      PINPIPE_ASSIGN_OR_RETURN(size_t n, seg->PRead(pos, hdr, sizeof hdr));
      if (n < sizeof hdr) break;
      auto parsed = ParseBatchHeader(std::string_view(hdr, n));
      if (!parsed || parsed->magic != kMagicV2 ||
          parsed->batch_length < static_cast<int32_t>(kBatchHeaderSize - kBatchLogOverhead)) {
        break;  // damage no read has met yet: the later segments may still answer
      }
      const BatchHeader& h = *parsed;
      if (h.max_timestamp >= ts_ms) {
        if (h.compression() != Compression::kNone || h.record_count == 1) return h.base_offset;
        // Find the record inside the batch.
        std::string buf(h.size(), '\0');
        PINPIPE_ASSIGN_OR_RETURN(size_t m, seg->PRead(pos, buf.data(), buf.size()));
        buf.resize(m);
        RecordReader reader(buf);
        RecordView rec;
        while (reader.Next(rec)) {
          if (rec.timestamp_ms >= ts_ms) return rec.offset;
        }
        return h.base_offset;
      }
      pos += h.size();
    }
  }
  return int64_t{-1};
}

// ---------------------------------------------------------------- waiters

bool PartitionLog::AddWaiter(uint64_t id, int64_t offset, std::function<void()>& fn) {
  MutexLock lock(wait_mu_);
  waiter_count_.fetch_add(1);  // seq_cst: pairs with the HWM store in NotifyWaiters
  if (hwm_.load() > offset || deleted()) {  // a deleted topic's waiter reads and learns it
    waiter_count_.fetch_sub(1);
    return false;
  }
  waiters_.push_back(Waiter{id, offset, std::move(fn)});
  return true;
}

bool PartitionLog::RemoveWaiter(uint64_t id) {
  MutexLock lock(wait_mu_);
  for (size_t i = 0; i < waiters_.size(); ++i) {
    if (waiters_[i].id == id) {
      waiters_.erase(waiters_.begin() + static_cast<ptrdiff_t>(i));
      waiter_count_.fetch_sub(1);
      return true;
    }
  }
  return false;
}

void PartitionLog::NotifyWaiters() {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (waiter_count_.load() == 0) return;
  std::vector<std::function<void()>> fire;
  {
    MutexLock lock(wait_mu_);
    int64_t hwm = hwm_.load();
    for (size_t i = 0; i < waiters_.size();) {
      if (waiters_[i].offset < hwm) {
        if (waiters_[i].fn) fire.push_back(std::move(waiters_[i].fn));
        waiters_[i] = std::move(waiters_.back());
        waiters_.pop_back();
        waiter_count_.fetch_sub(1);
      } else {
        ++i;
      }
    }
  }
  wait_cv_.NotifyAll();
  for (auto& f : fire) f();
}

bool PartitionLog::WaitFor(int64_t offset, std::chrono::milliseconds timeout,
                           const std::atomic<bool>& closed) {
  // Blocking waiters are entries without a callback and with ids from their own range;
  // NotifyWaiters removes them and signals the condition variable.
  static std::atomic<uint64_t> next_id{1ull << 63};
  const uint64_t id = next_id.fetch_add(1);
  UniqueMutexLock lock(wait_mu_);
  waiter_count_.fetch_add(1);
  if (hwm_.load() > offset || closed.load() || deleted()) {
    waiter_count_.fetch_sub(1);
    return hwm_.load() > offset && !deleted();
  }
  waiters_.push_back(Waiter{id, offset, nullptr});
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!(hwm_.load() > offset || closed.load() || deleted()) &&
         wait_cv_.WaitUntil(wait_mu_, deadline)) {
  }
  for (size_t i = 0; i < waiters_.size(); ++i) {
    if (waiters_[i].id == id) {
      waiters_.erase(waiters_.begin() + static_cast<ptrdiff_t>(i));
      waiter_count_.fetch_sub(1);
      break;
    }
  }
  return hwm_.load() > offset && !deleted();
}

void PartitionLog::WakeAllWaiters() {
  std::vector<std::function<void()>> fire;
  {
    MutexLock lock(wait_mu_);
    for (auto& w : waiters_) {
      if (w.fn) fire.push_back(std::move(w.fn));
    }
    waiter_count_.fetch_sub(static_cast<int>(waiters_.size()));
    waiters_.clear();
  }
  wait_cv_.NotifyAll();
  for (auto& f : fire) f();
}

// ---------------------------------------------------------------- retention

int PartitionLog::EnforceRetention(int64_t now_ms) {
  const LogOptions& o = *ctx_.options;
  // The topic's overrides (retention.ms / retention.bytes) or the global options.
  const int64_t retention_bytes =
      limits_ ? TopicLimits::Or(limits_->retention_bytes, o.retention_bytes) : o.retention_bytes;
  const int64_t retention_ms =
      limits_ ? TopicLimits::Or(limits_->retention_ms, o.retention_ms) : o.retention_ms;
  std::vector<std::shared_ptr<Segment>> doomed;
  {
    MutexLock lock(mu_);
    if (deleted_.load(std::memory_order_relaxed)) return 0;
    uint64_t total = 0;
    for (const auto& s : segments_) total += s->size();
    int64_t hwm = hwm_.load();
    while (segments_.size() > 1) {
      const auto& s = segments_.front();
      int64_t end = segments_[1]->base_offset();
      if (end > hwm) break;  // never delete data readers cannot see yet
      bool by_size = retention_bytes >= 0 &&
                     total - s->size() >= static_cast<uint64_t>(retention_bytes);
      bool by_age = retention_ms >= 0 && s->max_timestamp() < now_ms - retention_ms;
      if (!by_size && !by_age) break;
      total -= s->size();
      doomed.push_back(s);
      segments_.erase(segments_.begin());
    }
    log_start_.store(segments_.front()->base_offset());
  }
  for (auto& s : doomed) (void)s->Delete();
  return static_cast<int>(doomed.size());
}

}  // namespace pinpipe::log
