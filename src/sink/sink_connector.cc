#include "sink/sink_connector.h"

#include <algorithm>
#include <chrono>

#include "common/logging.h"
#include "common/mutex.h"
#include "common/rate_limited_log.h"
#include "sink/object_name.h"

namespace pinpipe::sink {

SinkConnector::SinkConnector(SinkConfig cfg, log::LogReader* source, objstore::ObjectStore* store,
                             SinkRuntime rt)
    : cfg_(std::move(cfg)),
      source_(source),
      store_(store),
      rt_(std::move(rt)),
      state_store_(rt_.fs ? rt_.fs : FileSystem::Default(), rt_.state_dir),
      formatter_(cfg_) {}

Result<std::unique_ptr<SinkConnector>> SinkConnector::Create(SinkConfig cfg, log::LogReader* source,
                                                             objstore::ObjectStore* store,
                                                             SinkRuntime rt) {
  PINPIPE_RETURN_IF_ERROR(cfg.Validate());
  if (rt.state_dir.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "sink: no state directory");
  }
  std::unique_ptr<SinkConnector> c(new SinkConnector(std::move(cfg), source, store, std::move(rt)));
  PINPIPE_RETURN_IF_ERROR(c->Init());
  return c;
}

SinkConnector::~SinkConnector() { Stop(); }

namespace {
// The prefix of a partition's last error while the log cannot be read (cleared by a good read).
constexpr std::string_view kReadFailed = "read failed (retrying): ";
}  // namespace

int64_t SinkConnector::Now() const { return rt_.clock->WallMs(); }

Status SinkConnector::Init() {
  {
    MutexLock lock(state_mu_);
    PINPIPE_ASSIGN_OR_RETURN(state_, state_store_.Load());
  }
  FileSystem* fs = rt_.fs ? rt_.fs : FileSystem::Default();
  paused_on_disk_ = fs->Exists(PausedMarker());
  paused_.store(paused_on_disk_);
  if (paused_on_disk_) spdlog::info("sink: paused (resume with PUT /connectors/{}/resume)", cfg_.name);
  RefreshPartitions();
  return OkStatus();
}

void SinkConnector::RefreshPartitions() {
  last_refresh_ms_ = Now();
  MutexLock lock(state_mu_);
  for (auto& tp : source_->ListPartitions()) {
    if (tasks_.contains(tp) || !cfg_.Matches(tp.topic)) continue;
    auto task = std::make_unique<PartitionTask>(tp, cfg_, &formatter_);
    PartitionState& st = state_.partitions[tp];
    task->Restore(st);
    st.failed = false;
    if (!st.plan.empty()) {
      spdlog::info("sink: {}: replaying {} planned object(s) from offset {} (recovery)",
                   tp.ToString(), st.plan.size(), st.committed);
    }
    caught_up_[tp] = false;
    tasks_.emplace(tp, std::move(task));
    status_dirty_ = true;
  }
}

void SinkConnector::ReportErrant(PartitionTask& task, const log::RecordView& rec) {
  PartitionState& st = state_.partitions[task.tp()];
  ++st.skipped;
  st.last_error = task.error().message;
  st.error_offset = rec.offset;
  status_dirty_ = true;
  if (cfg_.dlq_topic.empty()) return;
  // Rare path: allocation is fine here.
  std::vector<log::Header> headers;
  (void)rec.ParseHeaders(headers);
  std::string partition = std::to_string(task.tp().partition);
  std::string offset = std::to_string(rec.offset);
  const std::pair<std::string_view, std::string_view> ctx[] = {
      {"__connect.errors.topic", task.tp().topic},
      {"__connect.errors.partition", partition},
      {"__connect.errors.offset", offset},
      {"__connect.errors.connector.name", cfg_.name},
      {"__connect.errors.task.id", "0"},
      {"__connect.errors.stage", "TASK_PUT"},
      {"__connect.errors.class.name", "pinpipe.sink.PartitionTask"},
      {"__connect.errors.exception.class.name", task.error().exception_class},
      {"__connect.errors.exception.message", task.error().message},
  };
  for (const auto& [k, v] : ctx) headers.push_back({k, v});
  log::Record out;
  out.key = rec.key;
  out.value = rec.value;
  out.headers = headers;
  out.timestamp_ms = rec.timestamp_ms;
  if (auto s = source_->Produce(cfg_.dlq_topic, out); !s) {
    spdlog::warn("sink: {}: cannot write offset {} to the dead-letter topic {}: {}",
                 task.tp().ToString(), rec.offset, cfg_.dlq_topic, s.error().ToString());
    return;
  }
  ++st.dlq;
}

Result<bool> SinkConnector::Poll(PartitionTask& task, PartitionState& st) {
  if (task.failed()) return true;
  fetch_buf_.clear();
  PINPIPE_ASSIGN_OR_RETURN(FetchResult r,
                           source_->Fetch(task.tp(), task.read_pos(), cfg_.fetch_max_bytes, fetch_buf_));
  if (st.last_error.starts_with(kReadFailed)) {  // readable again
    st.last_error.clear();
    status_dirty_ = true;
  }
  if (st.log_end != r.high_watermark) {
    st.log_end = r.high_watermark;
    status_dirty_ = true;
  }
  int64_t now = Now();
  if (r.out_of_range) {
    if (task.read_pos() < r.log_start_offset && task.cuts().empty() && task.open_records() == 0 &&
        !task.replaying()) {
      // Retention deleted records the sink had not copied yet: continue at the log start.
      st.last_error = "offsets " + std::to_string(task.read_pos()) + ".." +
                      std::to_string(r.log_start_offset - 1) +
                      " were deleted by retention before the sink copied them";
      spdlog::warn("sink: {}: {}", task.tp().ToString(), st.last_error);
      st.committed = r.log_start_offset;
      st.plan.clear();
      task.Restore(st);
      status_dirty_ = true;
      return false;
    }
    if (task.read_pos() > r.high_watermark) {
      st.failed = true;
      st.last_error = "committed offset " + std::to_string(task.read_pos()) +
                      " is beyond the log end " + std::to_string(r.high_watermark) +
                      " (was the log replaced?)";
      NoteFailedTask(task.tp(), st.last_error);
      status_dirty_ = true;
      return true;
    }
    return true;
  }
  if (r.skipped_from >= 0) {
    st.last_error = "offsets " + std::to_string(r.skipped_from) + ".." +
                    std::to_string(r.skipped_to - 1) +
                    " are damaged in the log (corrupt message) and were skipped";
    status_dirty_ = true;
  }
  log::RecordReader reader(fetch_buf_, task.read_pos());
  log::RecordView rec;
  bool stopped_early = false;
  while (reader.Next(rec)) {
    if (reader.batch().attributes & log::kAttrControl) {
      task.SkipTo(rec.offset + 1);
      continue;
    }
    auto res = task.Add(rec, now);
    if (res == PartitionTask::AddResult::kErrant) {
      ReportErrant(task, rec);
    } else if (res == PartitionTask::AddResult::kFailed) {
      st.failed = true;
      st.error_offset = task.error_offset();
      st.last_error = "task stopped at offset " + std::to_string(task.error_offset()) + ": " +
                      task.error().exception_class + ": " + task.error().message;
      spdlog::error("sink: {}: {}", task.tp().ToString(), st.last_error);
      NoteFailedTask(task.tp(), st.last_error);
      status_dirty_ = true;
      return true;
    }
    if (task.cut_bytes() >= cfg_.max_round_bytes || task.cuts().size() >= cfg_.max_round_objects) {
      stopped_early = true;
      break;
    }
  }
  if (!reader.status()) {
    st.last_error = "cannot decode the log at offset " + std::to_string(task.read_pos()) + ": " +
                    reader.status().error().message();
    status_dirty_ = true;
    return MakeError(ErrorCode::kCorruption, st.last_error);
  }
  if (!stopped_early) task.SkipTo(r.next_offset);
  bool caught_up = task.read_pos() >= r.high_watermark;
  task.AfterPoll(caught_up, now);
  return caught_up;
}

bool SinkConnector::RoundDue() const {
  size_t bytes = 0, objects = 0;
  for (const auto& [tp, task] : tasks_) {
    bytes += task->cut_bytes();
    objects += task->cuts().size();
  }
  return bytes >= cfg_.max_round_bytes || objects >= cfg_.max_round_objects;
}

Status SinkConnector::FlushRound() {
  std::vector<PartitionTask*> ready;
  {
    MutexLock lock(state_mu_);
    for (auto& [tp, task] : tasks_) {
      if (task->cuts().empty()) continue;
      PartitionState& st = state_.partitions[tp];
      st.plan.clear();
      for (const auto& c : task->cuts()) st.plan.push_back({c.start, c.end});
      ready.push_back(task.get());
    }
  }
  if (ready.empty()) return OkStatus();
  // 1. plan, durably.
  {
    MutexLock lock(state_mu_);
    PINPIPE_RETURN_IF_ERROR(state_store_.Save(state_));
  }
  if (rt_.hook) PINPIPE_RETURN_IF_ERROR(rt_.hook("planned"));
  // 2. upload.
  bool first = true;
  objstore::PutOptions put;
  put.defer_sync = true;
  std::vector<std::pair<TopicPartition, SinkLiveObjects::Object>> uploaded;  // for the dashboard
  for (PartitionTask* task : ready) {
    for (const auto& c : task->cuts()) {
      if (c.first < 0) continue;  // every record of the range was skipped
      if (const TimeBasedPartitioner* tb = cfg_.time_based()) {
        encoded_buf_.clear();
        tb->AppendEncoded(c.bucket_ms, encoded_buf_);
        TimeBasedObjectKey(cfg_.topics_dir, task->tp().topic, encoded_buf_, task->tp().partition,
                           c.first, cfg_.pad_width, cfg_.Extension(), key_buf_);
      } else {
        ObjectKey(cfg_.topics_dir, task->tp().topic, task->tp().partition, c.first,
                  cfg_.pad_width, cfg_.Extension(), key_buf_);
      }
      if (auto s = store_->Put(key_buf_, task->Bytes(c), put); !s) {
        MutexLock lock(state_mu_);
        state_.partitions[task->tp()].last_error = "upload failed: " + s.error().message();
        status_dirty_ = true;
        return s;
      }
      uploaded.push_back({task->tp(), {key_buf_, c.byte_end - c.byte_begin, c.records, c.start, c.end, 0}});
      if (first && rt_.hook) PINPIPE_RETURN_IF_ERROR(rt_.hook("uploaded"));
      first = false;
    }
  }
  // 3. durable objects.
  PINPIPE_RETURN_IF_ERROR(store_->Sync());
  if (rt_.hook) PINPIPE_RETURN_IF_ERROR(rt_.hook("synced"));
  // 4. commit.
  uint64_t objects = 0, bytes = 0, records = 0;
  MutexLock lock(state_mu_);
  for (PartitionTask* task : ready) {
    PartitionState& st = state_.partitions[task->tp()];
    for (const auto& c : task->cuts()) {
      if (c.first < 0) continue;
      ++st.objects;
      st.bytes += c.byte_end - c.byte_begin;
      st.records += static_cast<uint64_t>(c.records);
      ++objects;
      bytes += c.byte_end - c.byte_begin;
      records += static_cast<uint64_t>(c.records);
    }
    st.committed = task->cuts().back().end;
    st.plan.clear();
    if (st.last_error.starts_with("upload failed")) st.last_error.clear();
  }
  PINPIPE_RETURN_IF_ERROR(state_store_.Save(state_));
  for (PartitionTask* task : ready) task->DropCuts();
  const int64_t committed_ms = Now();
  for (auto& [tp, o] : uploaded) {
    auto& recent = recent_[tp];
    o.committed_ms = committed_ms;
    recent.push_back(std::move(o));
    if (recent.size() > SinkLiveObjects::kRecent) recent.erase(recent.begin());
  }
  c_objects_ += objects;
  c_bytes_ += bytes;
  c_records_ += records;
  c_rounds_ += 1;
  status_dirty_ = true;
  return OkStatus();
}

void SinkConnector::PublishObjects(int64_t now_ms) {
  auto view = std::make_shared<SinkLiveObjects>();
  view->updated_ms = now_ms;
  view->flush_size = cfg_.flush_size;
  view->rotate_interval_ms = cfg_.rotate_interval_ms;
  view->rotate_schedule_interval_ms = cfg_.rotate_schedule_interval_ms;
  for (const auto& [tp, task] : tasks_) {
    SinkLiveObjects::Partition& p = view->partitions[tp];
    p.open_start = task->open_start();
    p.open_records = task->open_records();
    p.open_bytes = task->open_bytes();
    p.open_since_ms = task->open_since_ms();
    p.open_first_record_ms = task->open_first_record_ms();
    p.rotate_at_ms = task->open_deadline_ms();
    if (auto it = recent_.find(tp); it != recent_.end()) p.recent = it->second;
  }
  MutexLock lock(health_mu_);
  live_objects_ = std::move(view);
}

std::shared_ptr<const SinkLiveObjects> SinkConnector::LiveObjects() const {
  MutexLock lock(health_mu_);
  return live_objects_;
}

void SinkConnector::MaybeWriteStatus(bool force) {
  int64_t now = Now();
  // The open objects change with every poll: published at most once a second, dirty or not.
  if (force || now - last_objects_ms_ >= 1000) {
    last_objects_ms_ = now;
    PublishObjects(now);
  }
  if (!force && (!status_dirty_ || now - last_status_ms_ < 1000)) return;
  last_status_ms_ = now;
  status_dirty_ = false;
  std::shared_ptr<const SinkState> live;
  {
    MutexLock lock(state_mu_);
    (void)state_store_.SaveStatus(state_);
    live = std::make_shared<const SinkState>(state_);
  }
  MutexLock lock(health_mu_);
  live_ = std::move(live);
}

std::shared_ptr<const SinkState> SinkConnector::LiveState() const {
  MutexLock lock(health_mu_);
  return live_;
}

Status SinkConnector::RunUntilCaughtUp(bool flush_open) {
  RefreshPartitions();
  int idle_passes = 0;
  while (true) {
    // Stop() (a signal) interrupts: open objects are not flushed, their records re-read.
    if (stop_.load()) return MakeError(ErrorCode::kUnavailable, "sink interrupted");
    bool all = true;
    bool progressed = false;
    const TopicPartition* stuck = nullptr;
    for (auto& [tp, task] : tasks_) {
      Result<bool> c;
      const int64_t before = task->read_pos();
      {
        MutexLock lock(state_mu_);
        c = Poll(*task, state_.partitions[tp]);
      }
      if (!c) return std::unexpected(c.error());
      all = all && *c;
      progressed = progressed || task->read_pos() != before;
      if (!*c && task->read_pos() == before) stuck = &tp;
    }
    if (all) break;
    const bool due = RoundDue();
    if (due) PINPIPE_RETURN_IF_ERROR(FlushRound());
    idle_passes = progressed || due || stuck == nullptr ? 0 : idle_passes + 1;
    if (idle_passes >= 3) {
      // Never spin: a partition that is behind yet yields nothing cannot be caught up.
      return MakeError(ErrorCode::kCorruption,
                       "sink: " + stuck->ToString() + " makes no progress at offset " +
                           std::to_string(tasks_.at(*stuck)->read_pos()));
    }
  }
  if (flush_open) {
    for (auto& [tp, task] : tasks_) task->CutOpenAtReadPosition();
  }
  PINPIPE_RETURN_IF_ERROR(FlushRound());
  MaybeWriteStatus(true);
  {
    // Task failures must survive a restart of `sink status`: save them durably.
    MutexLock lock(state_mu_);
    PINPIPE_RETURN_IF_ERROR(state_store_.Save(state_));
  }
  return OkStatus();
}

void SinkConnector::WaitForWork(int64_t timeout_ms) {
  {
    MutexLock lock(wake_mu_);
    woken_ = false;
  }
  std::vector<uint64_t> ids;
  bool ready = false;
  for (auto& [tp, task] : tasks_) {
    if (task->failed()) continue;
    auto id = source_->WaitForData(tp, task->read_pos(), [this] {
      MutexLock lock(wake_mu_);
      woken_ = true;
      wake_cv_.NotifyOne();
    });
    if (id && *id == 0) {
      ready = true;
      break;
    }
    if (id) ids.push_back(*id);
  }
  if (!ready) {
    MutexLock lock(wake_mu_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!woken_ && !stop_.load() && wake_cv_.WaitUntil(wake_mu_, deadline)) {
    }
  }
  for (uint64_t id : ids) source_->CancelWait(id);
}

void SinkConnector::Pause() {
  paused_.store(true);
  MutexLock lock(wake_mu_);
  woken_ = true;
  wake_cv_.NotifyAll();
}

void SinkConnector::Resume() {
  paused_.store(false);
  MutexLock lock(wake_mu_);
  woken_ = true;
  wake_cv_.NotifyAll();
}

void SinkConnector::RequestRestart(RestartRequest request) {
  {
    MutexLock lock(control_mu_);
    restarts_.push_back(std::move(request));
    restart_pending_.store(true);
  }
  MutexLock lock(wake_mu_);
  woken_ = true;
  wake_cv_.NotifyAll();
}

void SinkConnector::ApplyControl() {
  const bool want_paused = paused_.load();
  if (want_paused != paused_on_disk_) {
    FileSystem* fs = rt_.fs ? rt_.fs : FileSystem::Default();
    Status st = want_paused ? fs->MkdirAll(rt_.state_dir) : OkStatus();
    if (st) st = want_paused ? fs->WriteFileAtomically(PausedMarker(), "paused\n") : fs->Unlink(PausedMarker());
    if (!st) spdlog::warn("sink: cannot record the paused state in {}: {}", PausedMarker(), st.error().ToString());
    paused_on_disk_ = want_paused;
    spdlog::info("sink: {}", want_paused ? "paused" : "resumed");
    status_dirty_ = true;
  }
  if (!restart_pending_.load()) return;
  std::vector<RestartRequest> requests;
  {
    MutexLock lock(control_mu_);
    requests.swap(restarts_);
    restart_pending_.store(false);
  }
  for (const auto& r : requests) {
    if (!r.include_tasks && !r.task) {
      RefreshPartitions();
      SetRoundError({});
      spdlog::info("sink: connector restarted");
      continue;
    }
    MutexLock lock(state_mu_);
    for (auto& [tp, task] : tasks_) {
      if (r.task && *r.task != tp) continue;
      if (r.only_failed && !task->failed()) continue;
      PartitionState& st = state_.partitions[tp];
      task->Restore(st);  // back to the committed offset (a recorded plan is replayed)
      st.failed = false;
      st.error_offset = -1;
      st.last_error.clear();
      caught_up_[tp] = false;
      {
        MutexLock hl(health_mu_);
        failed_tasks_.erase(tp);
      }
      status_dirty_ = true;
      spdlog::info("sink: {}: task restarted at offset {}", tp.ToString(), st.committed);
    }
  }
}

void SinkConnector::Run() {
  int64_t backoff_ms = 0;
  std::vector<TopicPartition> gone;
  while (!stop_.load()) {
    ApplyControl();
    if (paused_.load()) {
      MaybeWriteStatus(false);
      MutexLock lock(wake_mu_);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1000);
      while (!stop_.load() && paused_.load() && !restart_pending_.load() &&
             wake_cv_.WaitUntil(wake_mu_, deadline)) {
      }
      continue;
    }
    if (Now() - last_refresh_ms_ >= cfg_.topic_refresh_ms) RefreshPartitions();
    bool all = true;
    bool any_cut = false;
    for (auto& [tp, task] : tasks_) {
      Result<bool> c;
      {
        MutexLock lock(state_mu_);
        c = Poll(*task, state_.partitions[tp]);
      }
      if (!c) {
        if (c.error().code() == ErrorCode::kNotFound) {
          gone.push_back(tp);
        } else {
          // The log cannot be read now (a cluster down): `sink status` says so; the position
          // stays where it is and the next pass reads from it again.
          MutexLock lock(state_mu_);
          PartitionState& st = state_.partitions[tp];
          std::string error = std::string(kReadFailed) + c.error().message();
          if (st.last_error != error) {
            st.last_error = std::move(error);
            status_dirty_ = true;
          }
        }
        // Bounded: an unreachable cluster fails every pass until it answers again.
        static LogRateLimiter limiter(5, 10'000);
        LogRateLimited(limiter, spdlog::level::warn, "sink: {}: {}", tp.ToString(), c.error().ToString());
        c = true;  // retried on the next pass
      }
      all = all && *c;
      any_cut = any_cut || !task->cuts().empty();
    }
    if (!gone.empty()) {
      DropDeletedPartitions(gone);
      gone.clear();
      continue;
    }
    if (any_cut && (all || RoundDue()) && backoff_ms == 0) {
      auto st = FlushRound();
      if (!st) {
        if (rt_.hook) {  // a simulated crash: stop here, as the process would
          MutexLock lock(worker_mu_);
          worker_status_ = std::unexpected(st.error());
          return;
        }
        spdlog::warn("sink: flush round failed (will retry): {}", st.error().ToString());
        SetRoundError(st.error().ToString());
        backoff_ms = 500;
      } else {
        SetRoundError({});
      }
    }
    MaybeWriteStatus(false);
    if (backoff_ms > 0) {
      MutexLock lock(wake_mu_);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(backoff_ms);
      while (!stop_.load() && wake_cv_.WaitUntil(wake_mu_, deadline)) {
      }
      backoff_ms = 0;
      continue;
    }
    if (all) WaitForWork(cfg_.poll_interval_ms);
  }
  MaybeWriteStatus(true);
}

Status SinkConnector::Start() {
  if (worker_.joinable()) return MakeError(ErrorCode::kInvalidArgument, "sink already started");
  stop_.store(false);
  worker_ = std::thread([this] { Run(); });
  return OkStatus();
}

void SinkConnector::Stop() {
  stop_.store(true);
  {
    MutexLock lock(wake_mu_);
    woken_ = true;
  }
  wake_cv_.NotifyAll();
  if (worker_.joinable()) worker_.join();
}

SinkState SinkConnector::Snapshot() {
  MutexLock lock(state_mu_);
  return state_;
}

void SinkConnector::SetRoundError(std::string error) {
  MutexLock lock(health_mu_);
  round_error_ = std::move(error);
}

void SinkConnector::DropDeletedPartitions(const std::vector<TopicPartition>& gone) {
  MutexLock lock(state_mu_);
  for (const auto& tp : gone) {
    spdlog::info("sink: {}: the topic was deleted; its state is dropped", tp.ToString());
    tasks_.erase(tp);
    caught_up_.erase(tp);
    recent_.erase(tp);
    state_.partitions.erase(tp);
  }
  if (Status st = state_store_.Save(state_); !st) {
    spdlog::warn("sink: cannot save the state: {}", st.error().ToString());
  }
  status_dirty_ = true;
}

void SinkConnector::NoteFailedTask(const TopicPartition& tp, const std::string& error) {
  MutexLock lock(health_mu_);
  failed_tasks_[tp] = error;
}

std::vector<std::string> SinkConnector::Problems() const {
  MutexLock lock(health_mu_);
  std::vector<std::string> out;
  if (!round_error_.empty()) out.push_back("sink: uploads failing (retrying): " + round_error_);
  for (const auto& [tp, error] : failed_tasks_) {
    out.push_back("sink: " + tp.ToString() + " stopped: " + error);
  }
  return out;
}

SinkCounters SinkConnector::counters() const {
  return {c_records_.load(), c_objects_.load(), c_bytes_.load(), c_rounds_.load()};
}

Status SinkConnector::worker_status() {
  MutexLock lock(worker_mu_);
  return worker_status_;
}

}  // namespace pinpipe::sink
