#include "stream/stream_job.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include "common/json_writer.h"
#include "common/mutex.h"
#include "common/rate_limited_log.h"
#include "kinesis/stream_meta.h"
#include "lake/delta_optimize.h"
#include "lake/delta_uuid.h"
#include "log/record_batch.h"
#include "pinterest/clean.h"

namespace pinpipe::stream {

using pinterest::RawKind;

namespace {

constexpr RawKind kKinds[] = {RawKind::kPin, RawKind::kGeo, RawKind::kUser};
constexpr size_t kReadChunk = 4 << 20;         // bytes per fetch while executing a plan
constexpr int64_t kTopicRecheckMs = 250;       // a missing source topic is looked for this often
constexpr int64_t kIdleRecheckMs = 1000;       // new partitions are noticed at least this often

size_t Idx(RawKind k) { return static_cast<size_t>(k); }

}  // namespace

struct StreamJob::Wakeup {
  Mutex mu;
  CondVar cv;
  bool woken GUARDED_BY(mu) = false;
  void Notify() {
    MutexLock lock(mu);
    woken = true;
    cv.NotifyAll();
  }
  // Waits up to `ms` for `stop`, or also for a Notify when `or_notified`.
  void Wait(int64_t ms, const std::atomic<bool>& stop, bool or_notified) {
    MutexLock lock(mu);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!stop.load() && !(or_notified && woken) && cv.WaitUntil(mu, deadline)) {
    }
  }
};

StreamJob::StreamJob(StreamSettings settings, log::LogReader* source, StreamRuntime runtime)
    : settings_(std::move(settings)),
      source_(source),
      runtime_(std::move(runtime)),
      files_(runtime_.fs, settings_.state_dir),
      wakeup_(std::make_shared<Wakeup>()) {
  for (const auto& s : settings_.sources) {
    kind_of_topic_[s.topic] = s.kind;
    if (s.kinesis) kinesis_topics_.insert(s.topic);
  }
}

StreamJob::~StreamJob() { Stop(); }

Result<std::unique_ptr<StreamJob>> StreamJob::Create(StreamSettings settings,
                                                     log::LogReader* source,
                                                     StreamRuntime runtime) {
  if (!runtime.open_table) {
    return MakeError(ErrorCode::kInvalidArgument, "stream: no lake to write to");
  }
  std::unique_ptr<StreamJob> job(new StreamJob(std::move(settings), source, std::move(runtime)));
  job->tables_.resize(3);
  job->quarantine_.resize(3);
  PINPIPE_RETURN_IF_ERROR(job->Recover());
  job->app_id_ = job->state_.app_id;
  return job;
}

StreamTable& StreamJob::Table(RawKind k, bool quarantine) {
  // Opened on first use: a table (and its directory) exists only once it has rows.
  auto& slot = (quarantine ? quarantine_ : tables_)[Idx(k)];
  if (!slot) {
    const std::string& rel = (quarantine ? settings_.quarantine_tables : settings_.tables)[Idx(k)];
    std::span<const pinterest::ColumnSpec> specs =
        quarantine             ? StreamTable::QuarantineSchema()
        : k == RawKind::kPin   ? pinterest::CleanPinTable::Schema()
        : k == RawKind::kGeo   ? pinterest::CleanGeoTable::Schema()
                               : pinterest::CleanUserTable::Schema();
    slot = std::make_unique<StreamTable>(runtime_.open_table(rel), specs,
                                         rel.substr(rel.rfind('/') + 1));
    opened_[Idx(k) + (quarantine ? 3 : 0)].store(true);
  }
  return *slot;
}

Status StreamJob::Recover() {
  PINPIPE_ASSIGN_OR_RETURN(state_, files_.LoadState());
  if (state_.app_id.empty()) {
    // The txn appId is made once and kept: Spark's DeltaSink uses the persisted query id the
    // same way (streaming.md §2.2), so a restart is recognised by the tables.
    state_.app_id = lake::NewUuid();
    PINPIPE_RETURN_IF_ERROR(files_.SaveState(state_));
  }
  windows_.clear();
  for (size_t i = 0; i < 3; ++i) {
    const size_t cap = std::max<size_t>(1, settings_.dedup_window);
    if (state_.windows[i].empty()) {
      windows_.emplace_back(cap);
    } else {
      PINPIPE_ASSIGN_OR_RETURN(auto w, pinterest::DedupWindow::Deserialize(state_.windows[i], cap));
      windows_.push_back(std::move(w));
    }
  }
  pending_.reset();
  PINPIPE_ASSIGN_OR_RETURN(auto plan, files_.LoadPlan());
  if (plan && plan->batch_id == state_.batch_id + 1) {
    for (const auto& r : plan->ranges) {
      auto it = state_.partitions.find(r.tp);
      const int64_t committed = it == state_.partitions.end() ? 0 : it->second.committed;
      // A range may start above the committed offset only where retention dropped records.
      if (r.start < committed) {
        return MakeError(ErrorCode::kCorruption, "stream.plan: batch " +
                                                     std::to_string(plan->batch_id) + " reads " +
                                                     r.tp.ToString() + " from " +
                                                     std::to_string(r.start) + ", below committed " +
                                                     std::to_string(committed));
      }
    }
    pending_ = std::move(plan);
  } else if (plan && plan->batch_id > state_.batch_id + 1) {
    return MakeError(ErrorCode::kCorruption,
                     "stream.plan: batch " + std::to_string(plan->batch_id) +
                         " is ahead of committed batch " + std::to_string(state_.batch_id));
  }
  PINPIPE_RETURN_IF_ERROR(SeatPositions());
  {
    MutexLock lock(status_mu_);
    status_app_id_ = state_.app_id;
    status_batch_id_ = state_.batch_id;
    status_partitions_.clear();
    for (const auto& [tp, p] : state_.partitions) {
      status_partitions_.push_back({tp, p.committed, std::max(p.committed, log_end_[tp]), p.last_record_ms, p.position});
    }
  }
  return OkStatus();
}

Status StreamJob::SeatPositions() {
  SourcePositions* pos = runtime_.positions;
  if (!pos) return OkStatus();
  // The reader counts offsets from where it is seated: on the committed record of every
  // partition, or, where a plan is pending, on the record before the plan's range — so the
  // replay reads AFTER_SEQUENCE_NUMBER that record, up to the plan's end_position.
  std::map<TopicPartition, std::pair<int64_t, std::string>> seats;
  for (const auto& [tp, p] : state_.partitions) seats[tp] = {p.committed, p.position};
  if (pending_) {
    for (const auto& r : pending_->ranges) seats[r.tp] = {r.start, r.start_position};
  }
  for (const auto& [tp, seat] : seats) {
    PINPIPE_RETURN_IF_ERROR(pos->Seat(tp, seat.first, seat.second));
  }
  return OkStatus();
}

Status StreamJob::NamePositions(BatchPlan& plan) {
  SourcePositions* pos = runtime_.positions;
  if (!pos) return OkStatus();
  for (auto& r : plan.ranges) {
    PINPIPE_ASSIGN_OR_RETURN(r.start_position, pos->PositionAt(r.tp, r.start));
    PINPIPE_ASSIGN_OR_RETURN(r.end_position, pos->PositionAt(r.tp, r.end));
  }
  return OkStatus();
}

std::vector<TopicPartition> StreamJob::SourcePartitions(bool* missing_topic) {
  std::map<std::string, std::vector<int32_t>, std::less<>> found;
  for (auto& tp : source_->ListPartitions()) {
    if (kind_of_topic_.contains(tp.topic)) found[tp.topic].push_back(tp.partition);
  }
  std::vector<TopicPartition> out;
  *missing_topic = false;
  for (const auto& s : settings_.sources) {  // sources in their configured order
    auto it = found.find(s.topic);
    if (it == found.end()) {
      *missing_topic = true;  // waited for, never created: the producer side creates it
      continue;
    }
    std::sort(it->second.begin(), it->second.end());
    for (int32_t p : it->second) out.push_back({s.topic, p});
  }
  return out;
}

Result<BatchPlan> StreamJob::PlanNext() {
  bool missing = false;
  const auto parts = SourcePartitions(&missing);
  BatchPlan plan;
  plan.batch_id = state_.batch_id + 1;
  if (parts.empty()) return plan;
  // The bytes bound is shared evenly, so the batch's log batches total at most
  // max_batch_bytes (a partition's range takes at least one log batch: progress).
  const size_t per_partition = static_cast<size_t>(
      std::max<int64_t>(1, settings_.max_batch_bytes / static_cast<int64_t>(parts.size())));
  int64_t records_left = settings_.max_batch_records;
  for (const auto& tp : parts) {
    if (records_left <= 0) break;
    int64_t committed = 0;
    if (auto it = state_.partitions.find(tp); it != state_.partitions.end()) committed = it->second.committed;
    auto planned = PlanRange(tp, std::max(committed, FirstOffset(tp)), per_partition, &records_left);
    if (!planned && planned.error().code() == ErrorCode::kNotFound) continue;  // deleted meanwhile
    if (!planned) return std::unexpected(planned.error());
    PlannedRange r = *planned;
    if (r.end == r.start && committed > log_end_[tp]) {
      // The position is past the log's end: the topic was deleted and created again (a
      // Kinesis stream deleted and recreated) and its offsets start over. So does the job,
      // durably, before it plans anything there.
      PINPIPE_RETURN_IF_ERROR(RestartPartition(tp, committed));
      committed = state_.partitions[tp].committed;
      PINPIPE_ASSIGN_OR_RETURN(r, PlanRange(tp, committed, per_partition, &records_left));
    }
    // A range that starts above the committed offset (records the source does not own, or that
    // retention deleted) is planned even when empty: its commit moves the position past them.
    if (r.end > r.start || (r.start > committed && r.start <= log_end_[tp])) plan.ranges.push_back(r);
  }
  return plan;
}

Status StreamJob::RestartPartition(const TopicPartition& tp, int64_t committed) {
  CommittedState next = state_;
  next.partitions[tp].committed = std::min(FirstOffset(tp), log_end_[tp]);
  spdlog::warn("stream: {} ends at {}, below the committed offset {}: the topic was deleted and "
               "created again; reading it from offset {}",
               tp.ToString(), log_end_[tp], committed, next.partitions[tp].committed);
  PINPIPE_RETURN_IF_ERROR(files_.SaveState(next));
  state_ = std::move(next);
  return OkStatus();
}

int64_t StreamJob::FirstOffset(const TopicPartition& tp) const {
  return runtime_.first_offset ? std::max<int64_t>(0, runtime_.first_offset(tp)) : 0;
}

Result<PlannedRange> StreamJob::PlanRange(const TopicPartition& tp, int64_t start,
                                          size_t per_partition, int64_t* records_left) {
  fetch_buf_.clear();
  PINPIPE_ASSIGN_OR_RETURN(sink::FetchResult f, source_->Fetch(tp, start, per_partition, fetch_buf_));
  log_end_[tp] = f.high_watermark;
  if (f.out_of_range) {
    if (start < f.log_start_offset) {
      // Retention deleted records the job never read: start at what is left, and say so.
      static LogRateLimiter limiter(5, 10'000);
      LogRateLimited(limiter, spdlog::level::warn,
                     "stream: {} offsets {}..{} were deleted by retention before they were read",
                     tp.ToString(), start, f.log_start_offset);
      start = f.log_start_offset;
      fetch_buf_.clear();
      PINPIPE_ASSIGN_OR_RETURN(f, source_->Fetch(tp, start, per_partition, fetch_buf_));
      log_end_[tp] = f.high_watermark;
    }
    if (f.out_of_range) return PlannedRange{tp, start, start, "", ""};  // at or above the high watermark
  }
  // The range ends at a batch boundary inside what was fetched (at most per_partition bytes):
  // whole log batches, never above the high watermark, at most records_left records and
  // max_batch_ms of record time from its first batch's first record (at least one batch).
  // Only the headers are read; the plan records the end, so the bounds never make a replay
  // differ.
  int64_t end = start;
  int64_t first_ts = -1;
  std::string_view rest = fetch_buf_;
  while (size_t n = log::FirstBatchSize(rest)) {
    auto h = log::ParseBatchHeader(rest.substr(0, n));
    rest.remove_prefix(n);
    if (!h || h->next_offset() <= start) continue;
    if (h->base_offset > f.high_watermark) break;
    const int64_t batch_end = std::min<int64_t>(h->next_offset(), f.high_watermark);
    const int64_t records = batch_end - std::max(start, h->base_offset);
    if (end > start && records > *records_left) break;
    if (settings_.max_batch_ms > 0 && h->base_timestamp >= 0) {
      if (first_ts < 0) {
        first_ts = h->base_timestamp;
      } else if (end > start && h->max_timestamp - first_ts >= settings_.max_batch_ms) {
        break;
      }
    }
    end = batch_end;
    *records_left -= records;
    if (*records_left <= 0) break;
  }
  if (f.skipped_to > end) end = std::min(f.skipped_to, f.high_watermark);  // damaged range
  return PlannedRange{tp, start, end, "", ""};
}

Status StreamJob::ReadRange(const PlannedRange& range, RawKind kind, pinterest::RawTables* raw,
                            int64_t* last_ms) {
  int64_t offset = range.start;
  while (offset < range.end) {
    fetch_buf_.clear();
    PINPIPE_ASSIGN_OR_RETURN(sink::FetchResult f,
                             source_->Fetch(range.tp, offset, kReadChunk, fetch_buf_));
    if (f.out_of_range) {
      return MakeError(ErrorCode::kCorruption,
                       "stream: " + range.tp.ToString() + " no longer holds offset " +
                           std::to_string(offset) + " of planned batch (log " +
                           std::to_string(f.log_start_offset) + ".." +
                           std::to_string(f.high_watermark) + ")");
    }
    log::RecordReader reader(fetch_buf_, offset);
    log::RecordView rec;
    int64_t next = offset;
    while (reader.Next(rec)) {
      if (rec.offset >= range.end) break;
      next = rec.offset + 1;
      *last_ms = std::max(*last_ms, rec.timestamp_ms);
      batch_oldest_ms_ = std::min(batch_oldest_ms_, rec.timestamp_ms);
      if (!rec.value) {
        raw->quarantine.Add(kind, "null value (a tombstone)", "");
        continue;
      }
      decoder_.DecodeRecord(kind, *rec.value, raw);
    }
    PINPIPE_RETURN_IF_ERROR(reader.status());
    // Damaged batches the log skipped are skipped the same way on every replay.
    next = std::max({next, f.skipped_to, std::min(f.next_offset, range.end)});
    if (next <= offset) {
      return MakeError(ErrorCode::kUnavailable, "stream: no progress reading " +
                                                    range.tp.ToString() + " at offset " +
                                                    std::to_string(offset));
    }
    offset = next;
  }
  return OkStatus();
}

Status StreamJob::Execute(const BatchPlan& plan, bool replay) {
  const int64_t started_ms = runtime_.clock->SteadyMs();
  pinterest::RawTables raw;
  batch_oldest_ms_ = std::numeric_limits<int64_t>::max();
  std::map<TopicPartition, int64_t> last_ms;
  uint64_t records = 0;
  for (const auto& r : plan.ranges) {
    auto it = kind_of_topic_.find(r.tp.topic);
    if (it == kind_of_topic_.end()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "stream: the pending batch " + std::to_string(plan.batch_id) + " reads " +
                           r.tp.topic + ", which stream.source no longer names; restore it");
    }
    int64_t ms = -1;
    PINPIPE_RETURN_IF_ERROR(ReadRange(r, it->second, &raw, &ms));
    if (runtime_.positions && r.end > r.start) {
      // A replay must end on the record the plan named: anything else would not be this batch.
      PINPIPE_ASSIGN_OR_RETURN(std::string end, runtime_.positions->PositionAt(r.tp, r.end));
      if (end != r.end_position) {
        return MakeError(ErrorCode::kCorruption,
                         "stream: " + r.tp.ToString() + " batch " + std::to_string(plan.batch_id) +
                             " should end at sequence number " + r.end_position + ", read up to " + end);
      }
    }
    last_ms[r.tp] = ms;
    records += static_cast<uint64_t>(r.end - r.start);
  }

  // Clean with copies of the windows: they replace the job's only once the batch is durable.
  std::vector<pinterest::DedupWindow> windows = windows_;
  auto window = [&](RawKind k) {
    return settings_.dedup_window > 0 ? &windows[Idx(k)] : nullptr;
  };
  pinterest::CleanStats stats[3];
  const size_t quarantined = raw.quarantine.size();
  auto clean_pin = pinterest::CleanPins(std::move(raw.pin), window(RawKind::kPin), &stats[0]);
  auto clean_geo = pinterest::CleanGeos(std::move(raw.geo), window(RawKind::kGeo), &stats[1]);
  auto clean_user = pinterest::CleanUsers(std::move(raw.user), window(RawKind::kUser), &stats[2]);
  const size_t rows[3] = {clean_pin.size(), clean_geo.size(), clean_user.size()};

  const std::string& app = state_.app_id;
  const int64_t id = plan.batch_id;
  uint64_t bytes = 0, skipped = 0;
  // On a replay, a table that already holds this batch is not written again (no orphan file).
  auto holds = [&](StreamTable& t) -> Result<bool> {
    if (!replay) return false;
    PINPIPE_ASSIGN_OR_RETURN(int64_t v, t.CommittedBatch(app));
    return v >= id;
  };
  JsonWriter meta;
  meta.BeginObject().Key("batch").Int(id).Key("ranges").BeginArray();
  for (const auto& r : plan.ranges) {
    meta.BeginObject().Field("topic", std::string_view(r.tp.topic)).Field("partition", r.tp.partition);
    meta.Key("start").Int(r.start).Key("end").Int(r.end).EndObject();
  }
  meta.EndArray().EndObject();
  const std::string batch_metadata = meta.Take();
  auto append = [&](StreamTable& t, auto&& write) -> Status {
    t.SetBatchMetadata(batch_metadata);
    PINPIPE_ASSIGN_OR_RETURN(bool done, holds(t));
    if (done) {
      ++skipped;
      return OkStatus();
    }
    PINPIPE_ASSIGN_OR_RETURN(AppendResult a, write());
    if (a.skipped) {
      ++skipped;
    } else {
      bytes += static_cast<uint64_t>(a.bytes);
    }
    PINPIPE_RETURN_IF_ERROR(Hook("committed"));
    return OkStatus();
  };
  if (rows[0]) {
    StreamTable& t = Table(RawKind::kPin, false);
    PINPIPE_RETURN_IF_ERROR(append(t, [&] { return t.Append(clean_pin, app, id); }));
  }
  if (rows[1]) {
    StreamTable& t = Table(RawKind::kGeo, false);
    PINPIPE_RETURN_IF_ERROR(append(t, [&] { return t.Append(clean_geo, app, id); }));
  }
  if (rows[2]) {
    StreamTable& t = Table(RawKind::kUser, false);
    PINPIPE_RETURN_IF_ERROR(append(t, [&] { return t.Append(clean_user, app, id); }));
  }
  for (RawKind k : kKinds) {
    if (raw.quarantine.Count(k) == 0) continue;
    StreamTable& q = Table(k, true);
    PINPIPE_RETURN_IF_ERROR(append(q, [&] { return q.AppendQuarantine(raw.quarantine, k, app, id); }));
  }

  CommittedState next = state_;
  next.batch_id = id;
  for (const auto& r : plan.ranges) {
    auto& p = next.partitions[r.tp];
    p.committed = r.end;
    if (runtime_.positions) p.position = r.end_position;
    if (last_ms[r.tp] >= 0) p.last_record_ms = last_ms[r.tp];
  }
  for (size_t i = 0; i < 3; ++i) {
    next.windows[i] = settings_.dedup_window > 0 ? windows[i].Serialize() : std::string();
  }
  PINPIPE_RETURN_IF_ERROR(files_.SaveState(next));
  PINPIPE_RETURN_IF_ERROR(Hook("saved"));
  state_ = std::move(next);
  windows_ = std::move(windows);
  pending_.reset();

  batches_.fetch_add(1, std::memory_order_relaxed);
  if (replay) replayed_.fetch_add(1, std::memory_order_relaxed);
  skipped_commits_.fetch_add(skipped, std::memory_order_relaxed);
  records_.fetch_add(records, std::memory_order_relaxed);
  quarantined_.fetch_add(quarantined, std::memory_order_relaxed);
  duplicates_.fetch_add(stats[0].duplicates + stats[1].duplicates + stats[2].duplicates,
                        std::memory_order_relaxed);
  bytes_written_.fetch_add(bytes, std::memory_order_relaxed);
  for (size_t i = 0; i < 3; ++i) rows_[i].fetch_add(rows[i], std::memory_order_relaxed);
  const int64_t batch_ms = runtime_.clock->SteadyMs() - started_ms;
  last_batch_ms_.store(batch_ms, std::memory_order_relaxed);
  batch_duration_.Observe(static_cast<double>(batch_ms) / 1e3);
  // A replayed batch's records were acknowledged before a restart: not a latency of this job.
  if (!replay && records > 0 && batch_oldest_ms_ != std::numeric_limits<int64_t>::max()) {
    commit_latency_.Observe(static_cast<double>(std::max<int64_t>(0, Now() - batch_oldest_ms_)) / 1e3);
  }
  last_batch_id_.store(id, std::memory_order_relaxed);
  last_batch_at_ms_.store(Now(), std::memory_order_relaxed);
  last_batch_records_.store(static_cast<int64_t>(records), std::memory_order_relaxed);
  PublishStatus("");
  return OkStatus();
}

Result<bool> StreamJob::RunOneBatch() {
  if (pending_) {
    BatchPlan plan = *pending_;
    PINPIPE_RETURN_IF_ERROR(Execute(plan, /*replay=*/true));
    return true;
  }
  PINPIPE_ASSIGN_OR_RETURN(BatchPlan plan, PlanNext());
  if (plan.ranges.empty()) return false;
  PINPIPE_RETURN_IF_ERROR(NamePositions(plan));
  // The plan is durable before any record is decoded: a crash from here on replays exactly it.
  PINPIPE_RETURN_IF_ERROR(files_.SavePlan(plan));
  pending_ = plan;
  PINPIPE_RETURN_IF_ERROR(Hook("planned"));
  PINPIPE_RETURN_IF_ERROR(Execute(plan, /*replay=*/false));
  return true;
}

Status StreamJob::RunUntilCaughtUp() {
  // The targets: every source partition's high watermark now.
  bool missing = false;
  std::map<TopicPartition, int64_t> target;
  for (const auto& tp : SourcePartitions(&missing)) {
    std::string buf;
    PINPIPE_ASSIGN_OR_RETURN(sink::FetchResult f, source_->Fetch(tp, 0, 1, buf));
    target[tp] = f.high_watermark;
  }
  while (true) {
    PINPIPE_ASSIGN_OR_RETURN(bool ran, RunOneBatch());
    bool done = true;
    for (const auto& [tp, hw] : target) {
      auto it = state_.partitions.find(tp);
      if ((it == state_.partitions.end() ? 0 : it->second.committed) < hw) done = false;
    }
    if (done) return OkStatus();
    if (!ran) {
      return MakeError(ErrorCode::kUnavailable,
                       "stream: nothing left to read but the targets are not reached "
                       "(records deleted by retention?)");
    }
  }
}

void StreamJob::WaitForData() {
  bool missing = false;
  const auto parts = SourcePartitions(&missing);
  {
    MutexLock lock(wakeup_->mu);
    wakeup_->woken = false;
  }
  std::vector<uint64_t> ids;
  bool ready = false;
  for (const auto& tp : parts) {
    int64_t from = 0;
    if (auto it = state_.partitions.find(tp); it != state_.partitions.end()) from = it->second.committed;
    // The log calls back on the appending thread: the callback only flips a flag.
    auto id = source_->WaitForData(tp, from, [w = wakeup_] { w->Notify(); });
    if (id && *id == 0) {
      ready = true;
      break;
    }
    if (id) ids.push_back(*id);
  }
  if (!ready) {
    wakeup_->Wait(missing || parts.empty() ? kTopicRecheckMs : kIdleRecheckMs, stop_, true);
  }
  for (uint64_t id : ids) source_->CancelWait(id);
  if (settings_.linger_ms > 0 && !stop_.load()) {
    wakeup_->Wait(settings_.linger_ms, stop_, false);
  }
}

void StreamJob::Loop() {
  int64_t backoff_ms = 0;
  int64_t idle_published_ms = 0;
  while (!stop_.load()) {
    auto ran = RunOneBatch();
    if (ran) {
      backoff_ms = 0;
      if (!*ran) {
        // A remote source's shards change without a batch (a split's children, the time
        // behind the tip, a closed shard read to its end): the status follows once a second.
        if (runtime_.positions && Now() - idle_published_ms >= 1000) {
          PublishStatus("");
          idle_published_ms = Now();
        }
        WaitForData();
      }
      continue;
    }
    errors_.fetch_add(1, std::memory_order_relaxed);
    static LogRateLimiter limiter(5, 10'000);
    LogRateLimited(limiter, spdlog::level::err, "stream: batch {} failed: {}",
                   state_.batch_id + 1, ran.error().message());
    PublishStatus(ran.error().message());
    // Start over from what is durable: the plan (if written) is replayed exactly.
    if (auto st = Recover(); !st) PublishStatus(st.error().message());
    backoff_ms = std::min<int64_t>(backoff_ms ? backoff_ms * 2 : 100, 10'000);
    wakeup_->Wait(backoff_ms, stop_, false);
  }
}

void StreamJob::CompactLoop() {
  // Its own table handles: compaction commits (dataChange=false) never conflict with the
  // worker's appends, and run beside them, so the stream never waits for a compaction.
  std::array<std::unique_ptr<lake::DeltaTable>, 6> tables;
  while (!stop_.load()) {
    wakeup_->Wait(settings_.compact_interval_ms, stop_, false);
    for (size_t i = 0; i < tables.size() && !stop_.load(); ++i) {
      if (!opened_[i].load()) continue;
      if (!tables[i]) {
        const std::string& rel = i < 3 ? settings_.tables[i] : settings_.quarantine_tables[i - 3];
        tables[i] = std::make_unique<lake::DeltaTable>(runtime_.open_table(rel));
      }
      lake::OptimizeOptions o;
      o.min_files = static_cast<size_t>(settings_.compact_min_files);
      auto r = lake::Optimize(*tables[i], o);
      if (!r && r.error().code() == ErrorCode::kNotFound) continue;  // not created yet
      if (!r) {
        static LogRateLimiter limiter(5, 60'000);
        LogRateLimited(limiter, spdlog::level::warn, "stream: compaction of {} failed: {}",
                       tables[i]->storage().root(), r.error().message());
      } else if (r->version >= 0) {
        compactions_.fetch_add(1, std::memory_order_relaxed);
        compacted_files_.fetch_add(static_cast<uint64_t>(r->files_removed), std::memory_order_relaxed);
      }
    }
  }
}

void StreamJob::Start() {
  if (worker_.joinable()) return;
  stop_.store(false);
  worker_ = std::thread([this] { Loop(); });
  if (settings_.compact_interval_ms > 0) compactor_ = std::thread([this] { CompactLoop(); });
}

void StreamJob::Stop() {
  stop_.store(true);
  wakeup_->Notify();
  if (worker_.joinable()) worker_.join();
  if (compactor_.joinable()) compactor_.join();
}

void StreamJob::PublishStatus(const std::string& error) {
  {
    MutexLock lock(status_mu_);
    status_partitions_.clear();
    for (const auto& [tp, p] : state_.partitions) {
      auto it = log_end_.find(tp);
      const int64_t end = it == log_end_.end() ? p.committed : std::max(p.committed, it->second);
      status_partitions_.push_back({tp, p.committed, end, p.last_record_ms, p.position});
    }
    // A partition with records but no batch yet.
    for (const auto& [tp, end] : log_end_) {
      if (!state_.partitions.contains(tp)) status_partitions_.push_back({tp, 0, end, -1, ""});
    }
    last_error_ = error;  // cleared by the next batch that commits
    status_app_id_ = state_.app_id;
    status_batch_id_ = state_.batch_id;
  }
  (void)files_.SaveStatus(StatusJson());  // best effort: the live view only
}

int64_t StreamJob::committed_batch() const {
  MutexLock lock(status_mu_);
  return status_batch_id_;
}

std::vector<PartitionStatus> StreamJob::Partitions() const {
  MutexLock lock(status_mu_);
  return status_partitions_;
}

std::vector<std::string> StreamJob::Problems() const {
  std::vector<std::string> out = runtime_.positions ? runtime_.positions->Problems()
                                                    : std::vector<std::string>();
  MutexLock lock(status_mu_);
  if (!last_error_.empty()) out.push_back("stream: " + last_error_);
  return out;
}

std::string StreamJob::StatusJson() const {
  const int64_t now = Now();
  MutexLock lock(status_mu_);
  std::string out = "{\"name\":";
  AppendJsonString(out, settings_.name);
  out += ",\"app_id\":";
  AppendJsonString(out, status_app_id_);
  out += ",\"committed_batch\":" + std::to_string(status_batch_id_);
  out += ",\"updated_ms\":" + std::to_string(now);
  out += ",\"batches\":" + std::to_string(batches_.load());
  out += ",\"replayed_batches\":" + std::to_string(replayed_.load());
  out += ",\"records\":" + std::to_string(records_.load());
  out += ",\"quarantined\":" + std::to_string(quarantined_.load());
  out += ",\"duplicates\":" + std::to_string(duplicates_.load());
  out += ",\"errors\":" + std::to_string(errors_.load());
  out += ",\"last_batch\":{\"id\":" + std::to_string(last_batch_id_.load()) +
         ",\"records\":" + std::to_string(last_batch_records_.load()) +
         ",\"duration_ms\":" + std::to_string(last_batch_ms_.load()) +
         ",\"at_ms\":" + std::to_string(last_batch_at_ms_.load()) + "}";
  out += ",\"histograms\":{\"batch_duration\":";
  batch_duration_.AppendJson(out);
  out += ",\"commit_latency\":";
  commit_latency_.AppendJson(out);
  out += "}";
  out += ",\"tables\":[";
  for (size_t i = 0; i < 3; ++i) {
    if (i) out += ',';
    AppendJsonString(out, settings_.tables[i]);
  }
  out += "]";
  out += ",\"last_error\":";
  AppendJsonString(out, last_error_);
  out += ",\"partitions\":[";
  bool first = true;
  for (const auto& p : status_partitions_) {
    if (!first) out += ',';
    first = false;
    const int64_t lag = p.log_end - p.committed;
    out += "{\"topic\":";
    AppendJsonString(out, p.tp.topic);
    out += ",\"partition\":" + std::to_string(p.tp.partition);
    // A Kinesis stream's partition i is its shard i; committed is then the seqIx (the log
    // offset inside the sequence numbers, kinesis/sequence_number.h) of the next record.
    if (kinesis_topics_.contains(p.tp.topic)) out += ",\"shard\":\"" + kinesis::ShardIdOf(p.tp.partition) + "\"";
    out += ",\"committed\":" + std::to_string(p.committed) +
           ",\"log_end\":" + std::to_string(p.log_end) + ",\"lag_records\":" + std::to_string(lag) +
           // While behind: how old the last committed record is (how far the job trails).
           ",\"lag_ms\":" +
           std::to_string(lag > 0 && p.last_record_ms >= 0 ? std::max<int64_t>(0, now - p.last_record_ms) : 0) +
           ",\"last_record_ms\":" + std::to_string(p.last_record_ms);
    if (runtime_.positions) {
      // A remote shard: the sequence number committed last and the time behind its tip.
      out += ",\"position\":";
      AppendJsonString(out, p.position);
      runtime_.positions->AppendStatus(p.tp, out);
    }
    out += "}";
  }
  out += "]}";
  return out;
}

void StreamJob::RenderPrometheus(std::string& out) const {
  auto counter = [&](std::string_view name, std::string_view help, uint64_t v) {
    out += "# HELP pinpipe_stream_" + std::string(name) + " " + std::string(help) + "\n";
    out += "# TYPE pinpipe_stream_" + std::string(name) + " counter\n";
    out += "pinpipe_stream_" + std::string(name) + " " + std::to_string(v) + "\n";
  };
  counter("batches_total", "Micro-batches committed.", batches_.load());
  counter("replayed_batches_total", "Batches replayed from their plan after a restart.", replayed_.load());
  counter("skipped_commits_total", "Table commits skipped because the table held the batch's txn.",
          skipped_commits_.load());
  counter("records_total", "Source records read.", records_.load());
  counter("quarantined_total", "Records that could not be decoded.", quarantined_.load());
  counter("duplicates_total", "Rows dropped as exact duplicates within the window.", duplicates_.load());
  counter("errors_total", "Failed batch attempts (retried).", errors_.load());
  counter("bytes_written_total", "Data file bytes committed.", bytes_written_.load());
  counter("compactions_total", "Background compaction commits (OPTIMIZE, dataChange=false).",
          compactions_.load());
  counter("compacted_files_total", "Small files replaced by compaction.", compacted_files_.load());
  out += "# HELP pinpipe_stream_rows_total Clean rows appended, per table.\n";
  out += "# TYPE pinpipe_stream_rows_total counter\n";
  for (RawKind k : kKinds) {
    out += "pinpipe_stream_rows_total{table=\"" + std::string(pinterest::RawKindName(k)) + "\"} " +
           std::to_string(rows_[Idx(k)].load()) + "\n";
  }
  out += "# HELP pinpipe_stream_last_batch_duration_ms Wall time of the last batch.\n";
  out += "# TYPE pinpipe_stream_last_batch_duration_ms gauge\n";
  out += "pinpipe_stream_last_batch_duration_ms " + std::to_string(last_batch_ms_.load()) + "\n";
  batch_duration_.RenderPrometheus(out, "pinpipe_stream_batch_duration_seconds",
                                   "Wall time of each committed micro-batch.");
  commit_latency_.RenderPrometheus(out, "pinpipe_stream_commit_latency_seconds",
                                   "Per batch: from the oldest record's timestamp (its ack) to the batch's Delta commit.");
  out += "# HELP pinpipe_stream_lag_records Records in the log not yet committed, per partition.\n";
  out += "# TYPE pinpipe_stream_lag_records gauge\n";
  MutexLock lock(status_mu_);
  for (const auto& p : status_partitions_) {
    out += "pinpipe_stream_lag_records{topic=\"" + p.tp.topic + "\",partition=\"" +
           std::to_string(p.tp.partition) + "\"} " + std::to_string(p.log_end - p.committed) + "\n";
  }
}

}  // namespace pinpipe::stream
