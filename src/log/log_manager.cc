#include "log/log_manager.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <thread>
#include <unordered_map>

#include "common/fd_limit.h"
#include "common/file_system.h"
#include "common/logging.h"
#include "common/mutex.h"
#include "log/file_cache.h"
#include "log/log_metrics.h"
#include "log/offset_store.h"
#include "log/flusher.h"
#include "log/partition_log.h"
#include "log/topic_configs.h"
#include "log/topic_registry.h"

namespace pinpipe::log {

struct LogManager::Background {
  LogMetrics metrics;
  std::unique_ptr<ReadFileCache> files;
  std::unique_ptr<FileLock> dir_lock;
  std::thread retention;
  Mutex mu;
  CondVar cv;
  bool stop GUARDED_BY(mu) = false;
  // Waiter ids -> partition, for CancelWait.
  Mutex wait_mu;
  std::unordered_map<WaitId, PartitionLog*> waits GUARDED_BY(wait_mu);
  std::atomic<WaitId> next_wait_id{1};
  // Directories of deleted topics waiting for RemovalLoop (signalled by cv).
  std::vector<std::string> doomed GUARDED_BY(mu);
  std::thread remover;
  bool removing GUARDED_BY(mu) = false;  // RemovalLoop holds a batch
};

LogManager::LogManager(LogOptions options) : options_(std::move(options)) {
  if (options_.fs == nullptr) options_.fs = FileSystem::Default();
}

LogManager::~LogManager() { Close(); }

int64_t LogManager::NowMs() const { return options_.clock->WallMs(); }

std::string RecoveryReport::Describe() const {
  std::string s = topic + "-" + std::to_string(partition) + ": ";
  if (lost_start_offset >= 0) {
    s += file + " is damaged (" + reason + "); kept, not cut: offsets " +
         std::to_string(lost_start_offset) + ".." + std::to_string(lost_end_offset - 1) +
         " are lost and readers skip them";
  } else {
    s += "cut " + std::to_string(bytes_cut) + " bytes from " + file + " (" + reason +
         "); offsets " + std::to_string(kept_start_offset) + ".." +
         std::to_string(kept_end_offset) + " intact";
  }
  if (index_rebuilt) s += "; index rebuilt";
  return s;
}

Error ReadResult::CorruptionError(std::string_view topic, int32_t partition) const {
  return Error(ErrorCode::kCorruption,
               "corrupt message: offsets " + std::to_string(skipped_from) + ".." +
                   std::to_string(skipped_to - 1) + " of " + std::string(topic) + "-" +
                   std::to_string(partition) +
                   " are damaged on disk and were skipped; reading resumed at offset " +
                   std::to_string(skipped_to));
}

Result<std::unique_ptr<LogManager>> LogManager::Open(LogOptions options,
                                                     std::vector<RecoveryReport>* reports) {
  if (options.dir.empty()) return MakeError(ErrorCode::kInvalidArgument, "log dir is empty");
  if (options.default_partitions < 1) {
    return MakeError(ErrorCode::kInvalidArgument, "default_partitions must be >= 1");
  }
  if (options.segment_bytes < 1024 || options.segment_bytes > (1ull << 31)) {
    return MakeError(ErrorCode::kInvalidArgument, "segment_bytes must be in [1 KiB, 2 GiB]");
  }
  std::unique_ptr<LogManager> m(new LogManager(std::move(options)));
  std::vector<RecoveryReport> found;
  Status st = m->OpenAll(&found);
  // Every loss is reported, whoever opens the log (serve, sink, tools).
  for (const auto& r : found) spdlog::warn("recovery: {}", r.Describe());
  if (reports != nullptr) {
    for (auto& r : found) reports->push_back(std::move(r));
  }
  PINPIPE_RETURN_IF_ERROR(st);
  return m;
}

Status LogManager::OpenAll(std::vector<RecoveryReport>* reports) {
  FileSystem* fs = options_.fs;
  bg_ = std::make_unique<Background>();
  std::string log_dir = JoinPath(options_.dir, "log");
  std::string state_dir = JoinPath(options_.dir, "state");
  PINPIPE_RETURN_IF_ERROR(fs->MkdirAll(log_dir));
  PINPIPE_RETURN_IF_ERROR(fs->MkdirAll(state_dir));
  PINPIPE_ASSIGN_OR_RETURN(bg_->dir_lock, fs->Lock(JoinPath(log_dir, ".lock")));
  flusher_ = std::make_unique<Flusher>(options_);
  // Every partition holds descriptors: use all the process may have, and keep those of
  // sealed segments to a bounded cache.
  const uint64_t fd_limit = RaiseOpenFileLimit();
  bg_->files = std::make_unique<ReadFileCache>(
      fs, static_cast<size_t>(std::clamp<uint64_t>(fd_limit / 16, 8, 512)));
  PINPIPE_ASSIGN_OR_RETURN(topic_configs_, TopicConfigs::Open(fs, log_dir));
  PartitionContext ctx{&options_, fs, &bg_->metrics, flusher_.get(), bg_->files.get()};
  ctx.topic_configs = topic_configs_.get();
  // Written by Close after the final fsync; removed (durably) before anything is appended.
  std::string marker = JoinPath(log_dir, ".clean_shutdown");
  ctx.clean_shutdown = fs->Exists(marker);
  topics_ = std::make_unique<TopicRegistry>(ctx, log_dir);
  PINPIPE_RETURN_IF_ERROR(topics_->Load(reports));
  if (ctx.clean_shutdown) {
    PINPIPE_RETURN_IF_ERROR(fs->Unlink(marker));
    PINPIPE_RETURN_IF_ERROR(fs->SyncDir(log_dir));
  }
  PINPIPE_ASSIGN_OR_RETURN(offsets_, OffsetStore::Open(fs, state_dir));
  flusher_->Start();
  // Always, not only when the options set a retention: a topic's override may.
  if (options_.retention_check_interval_ms > 0) {
    bg_->retention = std::thread([this] { RetentionLoop(); });
  }
  bg_->remover = std::thread([this] { RemovalLoop(); });
  return OkStatus();
}

void LogManager::RemovalLoop() {
  UniqueMutexLock lock(bg_->mu);
  while (true) {
    while (!bg_->stop && bg_->doomed.empty()) bg_->cv.Wait(bg_->mu);
    if (bg_->stop) break;  // what is left is removed at the next start
    std::vector<std::string> batch;
    batch.swap(bg_->doomed);
    bg_->removing = true;
    lock.unlock();
    for (const auto& dir : batch) {
      Status st = RemoveDirectory(options_.fs, dir);
      if (!st) spdlog::warn("log: could not remove {} ({}); the next start retries", dir,
                            st.error().message());
    }
    lock.lock();
    bg_->removing = false;
    bg_->cv.NotifyAll();
  }
}

void LogManager::Close() {
  if (closed_.exchange(true) || !bg_) return;
  {
    MutexLock lock(bg_->mu);
    bg_->stop = true;
  }
  bg_->cv.NotifyAll();
  if (bg_->retention.joinable()) bg_->retention.join();
  if (bg_->remover.joinable()) bg_->remover.join();
  if (flusher_) flusher_->Stop();
  if (topics_) {
    // Final sync of everything regardless of policy; acknowledges what it makes durable.
    bool clean = true;
    for (Topic* t : topics_->All()) {
      for (PartitionLog* p : t->partitions()) clean &= p->SyncOnce() && p->Seal().has_value();
    }
    for (Topic* t : topics_->All()) {
      for (PartitionLog* p : t->partitions()) {
        p->FailPending(Error(ErrorCode::kUnavailable, "log closed"));
        p->WakeAllWaiters();
      }
    }
    if (clean) {
      (void)options_.fs->WriteFileAtomically(JoinPath(JoinPath(options_.dir, "log"),
                                                      ".clean_shutdown"), "");
    }
  }
}

void LogManager::RetentionLoop() {
  UniqueMutexLock lock(bg_->mu);
  while (!bg_->stop) {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(options_.retention_check_interval_ms);
    while (!bg_->stop && bg_->cv.WaitUntil(bg_->mu, deadline)) {
    }
    if (bg_->stop) break;
    lock.unlock();
    EnforceRetention();
    lock.lock();
  }
}

int LogManager::EnforceRetention() {
  int deleted = 0;
  int64_t now = NowMs();
  for (Topic* t : topics_->All()) {
    for (PartitionLog* p : t->partitions()) deleted += p->EnforceRetention(now);
  }
  return deleted;
}

Status LogManager::Flush() {
  if (closed_) return MakeError(ErrorCode::kUnavailable, "log closed");
  bool ok = true;
  for (Topic* t : topics_->All()) {
    for (PartitionLog* p : t->partitions()) ok &= p->SyncOnce();
  }
  if (!ok) return MakeError(ErrorCode::kIoError, "fsync failed (see pinpipe_log_fsync_errors_total)");
  return OkStatus();
}

// ---------------------------------------------------------------- topics

Status LogManager::CreateTopic(std::string_view topic, int32_t partitions) {
  if (closed_) return MakeError(ErrorCode::kUnavailable, "log closed");
  return topics_->Create(topic, partitions);
}

Status LogManager::AddPartitions(std::string_view topic, int32_t new_total) {
  if (closed_) return MakeError(ErrorCode::kUnavailable, "log closed");
  return topics_->AddPartitions(topic, new_total);
}

Status LogManager::DeleteTopic(std::string_view topic) {
  if (closed_) return MakeError(ErrorCode::kUnavailable, "log closed");
  std::vector<std::string> doomed;
  std::vector<std::move_only_function<void()>> fire;
  Status st = topics_->Delete(topic, &doomed, &fire);
  for (auto& f : fire) f();  // failed appends and woken waiters, with no lock held
  if (!doomed.empty()) {
    {
      MutexLock lock(bg_->mu);
      for (auto& d : doomed) bg_->doomed.push_back(std::move(d));
    }
    bg_->cv.NotifyAll();
  }
  if (!st) return st;
  // A topic created again under this name starts at 0 with the defaults: no group may keep an
  // offset past it, and no override of the old topic applies to the new one.
  PINPIPE_RETURN_IF_ERROR(offsets_->DeleteTopic(topic));
  return topic_configs_->Erase(topic);
}

std::vector<TopicInfo> LogManager::ListTopics() const {
  std::vector<TopicInfo> out;
  for (Topic* t : topics_->All()) {
    out.push_back({t->name, t->partition_count(), t->id, t->uuid});
  }
  return out;
}

Result<TopicInfo> LogManager::GetTopic(std::string_view topic) const {
  Topic* t = topics_->Find(topic);
  if (t == nullptr) {
    return MakeError(ErrorCode::kNotFound, "topic '" + std::string(topic) + "' not found");
  }
  return TopicInfo{t->name, t->partition_count(), t->id, t->uuid};
}

Result<TopicInfo> LogManager::GetTopicById(const TopicUuid& uuid) const {
  for (Topic* t : topics_->All()) {
    if (t->uuid == uuid) return TopicInfo{t->name, t->partition_count(), t->id, t->uuid};
  }
  return MakeError(ErrorCode::kNotFound, "no topic has id " + TopicUuidBase64(uuid));
}

Result<TopicInfo> LogManager::GetOrCreateTopic(std::string_view topic) {
  if (Topic* t = topics_->Find(topic)) {
    return TopicInfo{t->name, t->partition_count(), t->id, t->uuid};
  }
  if (!options_.auto_create) return GetTopic(topic);
  auto st = topics_->Create(topic, options_.default_partitions);
  if (!st && st.error().code() != ErrorCode::kAlreadyExists) return std::unexpected(st.error());
  return GetTopic(topic);
}

Result<std::map<std::string, std::string>> LogManager::TopicConfigOverrides(
    std::string_view topic) const {
  PINPIPE_RETURN_IF_ERROR(GetTopic(topic));
  return topic_configs_->Overrides(topic);
}

Status LogManager::AlterTopicConfig(std::string_view topic, std::span<const ConfigChange> changes,
                                    bool validate_only) {
  if (closed_) return MakeError(ErrorCode::kUnavailable, "log closed");
  PINPIPE_RETURN_IF_ERROR(GetTopic(topic));
  return topic_configs_->Alter(topic, changes, validate_only);
}

Status LogManager::ReplaceTopicConfig(std::string_view topic,
                                      std::span<const std::pair<std::string, std::string>> configs,
                                      bool validate_only) {
  if (closed_) return MakeError(ErrorCode::kUnavailable, "log closed");
  PINPIPE_RETURN_IF_ERROR(GetTopic(topic));
  return topic_configs_->Replace(topic, configs, validate_only);
}

Result<PartitionLog*> LogManager::FindPartition(std::string_view topic, int32_t partition,
                                                Topic** owner) const {
  Topic* t = topics_->Find(topic);
  if (t == nullptr) {
    return MakeError(ErrorCode::kNotFound, "topic '" + std::string(topic) + "' not found");
  }
  auto parts = t->partitions();  // one snapshot: partitions may be added concurrently
  if (partition < 0 || static_cast<size_t>(partition) >= parts.size()) {
    return MakeError(ErrorCode::kNotFound, "partition " + std::to_string(partition) +
                                               " of topic '" + std::string(topic) +
                                               "' not found");
  }
  if (owner != nullptr) *owner = t;
  return parts[static_cast<size_t>(partition)];
}

Result<PartitionLog*> LogManager::FindOrCreatePartition(std::string_view topic,
                                                        int32_t partition, Topic** owner) {
  if (topics_->Find(topic) == nullptr && options_.auto_create) {
    PINPIPE_RETURN_IF_ERROR(GetOrCreateTopic(topic));
  }
  return FindPartition(topic, partition, owner);
}

// ---------------------------------------------------------------- appends

Result<AppendResult> LogManager::Append(std::string_view topic, int32_t partition,
                                        std::span<const Record> records, AppendCallback done) {
  if (closed_.load(std::memory_order_relaxed)) {
    return MakeError(ErrorCode::kUnavailable, "log closed");
  }
  if (records.empty()) return MakeError(ErrorCode::kInvalidArgument, "no records to append");
  Topic* t = nullptr;
  PINPIPE_ASSIGN_OR_RETURN(PartitionLog * p, FindOrCreatePartition(topic, partition, &t));
  // Encode outside the partition lock into a per-thread buffer that keeps its capacity.
  thread_local std::string buf;
  buf.clear();
  int64_t now = NowMs();
  EncodeBatch(BatchOptions{}, records, now, buf);
  if (buf.size() > options_.max_batch_bytes) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "batch of " + std::to_string(buf.size()) + " bytes exceeds the limit of " +
                         std::to_string(options_.max_batch_bytes));
  }
  int64_t max_ts = ReadBigEndian64(buf.data() + kMaxTimestampPos);
  auto r = p->Append(std::string_view(buf).substr(8), static_cast<int32_t>(records.size()),
                     max_ts, done);
  if (r) {
    t->records_appended.fetch_add(records.size(), std::memory_order_relaxed);
    t->bytes_appended.fetch_add(buf.size(), std::memory_order_relaxed);
  }
  return r;
}

Result<AppendResult> LogManager::AppendBatch(std::string_view topic, int32_t partition,
                                             std::string_view batch, AppendCallback done) {
  if (closed_.load(std::memory_order_relaxed)) {
    return MakeError(ErrorCode::kUnavailable, "log closed");
  }
  if (batch.size() > options_.max_batch_bytes) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "batch of " + std::to_string(batch.size()) + " bytes exceeds the limit of " +
                         std::to_string(options_.max_batch_bytes));
  }
  PINPIPE_ASSIGN_OR_RETURN(BatchHeader h, ValidateBatch(batch));
  Topic* t = nullptr;
  PINPIPE_ASSIGN_OR_RETURN(PartitionLog * p, FindOrCreatePartition(topic, partition, &t));
  auto r = p->Append(batch.substr(8), h.record_count, h.max_timestamp, done);
  if (r) {
    t->records_appended.fetch_add(static_cast<uint64_t>(h.record_count),
                                  std::memory_order_relaxed);
    t->bytes_appended.fetch_add(batch.size(), std::memory_order_relaxed);
  }
  return r;
}

Result<AppendResult> LogManager::AppendSync(std::string_view topic, int32_t partition,
                                            std::span<const Record> records) {
  std::promise<Result<AppendResult>> promise;
  auto future = promise.get_future();
  auto r = Append(topic, partition, records,
                  [&promise](const Result<AppendResult>& res) { promise.set_value(res); });
  if (!r) return r;
  return future.get();
}

// ---------------------------------------------------------------- reads

Result<ReadResult> LogManager::Read(std::string_view topic, int32_t partition, int64_t offset,
                                    size_t max_bytes, std::string& out) const {
  PINPIPE_ASSIGN_OR_RETURN(PartitionLog * p, FindPartition(topic, partition));
  auto r = p->Read(offset, max_bytes, out);
  // A read that raced a deletion may have met its files gone: the topic is, say so.
  if (!r && p->deleted()) return std::unexpected(p->DeletedError());
  return r;
}

Result<PartitionInfo> LogManager::GetPartitionInfo(std::string_view topic,
                                                   int32_t partition) const {
  PINPIPE_ASSIGN_OR_RETURN(PartitionLog * p, FindPartition(topic, partition));
  PartitionInfo info = p->Info();
  if (p->deleted()) return std::unexpected(p->DeletedError());
  return info;
}

Result<int64_t> LogManager::OffsetForTimestamp(std::string_view topic, int32_t partition,
                                               int64_t ts_ms) const {
  PINPIPE_ASSIGN_OR_RETURN(PartitionLog * p, FindPartition(topic, partition));
  auto r = p->OffsetForTimestamp(ts_ms);
  if (p->deleted()) return std::unexpected(p->DeletedError());
  return r;
}

Result<LogManager::WaitId> LogManager::WaitForData(std::string_view topic, int32_t partition,
                                                   int64_t offset, std::function<void()> fn) {
  PINPIPE_ASSIGN_OR_RETURN(PartitionLog * p, FindPartition(topic, partition));
  if (closed_) return MakeError(ErrorCode::kUnavailable, "log closed");
  WaitId id = bg_->next_wait_id.fetch_add(1);
  {
    MutexLock lock(bg_->wait_mu);
    bg_->waits[id] = p;
  }
  // Wrap so the id mapping is dropped when the waiter fires.
  std::function<void()> wrapped = [this, id, fn = std::move(fn)] {
    {
      MutexLock lock(bg_->wait_mu);
      bg_->waits.erase(id);
    }
    if (fn) fn();
  };
  if (!p->AddWaiter(id, offset, wrapped)) {
    MutexLock lock(bg_->wait_mu);
    bg_->waits.erase(id);
    return WaitId{0};
  }
  return id;
}

bool LogManager::CancelWait(WaitId id) {
  PartitionLog* p;
  {
    MutexLock lock(bg_->wait_mu);
    auto it = bg_->waits.find(id);
    if (it == bg_->waits.end()) return false;
    p = it->second;
    bg_->waits.erase(it);
  }
  return p->RemoveWaiter(id);
}

bool LogManager::WaitForOffset(std::string_view topic, int32_t partition, int64_t offset,
                               std::chrono::milliseconds timeout) {
  auto p = FindPartition(topic, partition);
  if (!p) return false;
  return (*p)->WaitFor(offset, timeout, closed_);
}

OffsetStore& LogManager::offsets() { return *offsets_; }

std::vector<std::string> LogManager::RefusingPartitions() const {
  std::vector<std::string> out;
  for (Topic* t : topics_->All()) {
    for (PartitionLog* p : t->partitions()) {
      if (auto why = p->refusal()) out.push_back(t->name + "-" + std::to_string(p->partition()) + ": " + *why);
    }
  }
  return out;
}

uint64_t LogManager::fsync_count() const { return bg_->metrics.fsyncs.load(); }
uint64_t LogManager::recovery_validated_bytes() const {
  return bg_->metrics.recovery_validated_bytes.load();
}

// ---------------------------------------------------------------- metrics

namespace {
void AppendEscaped(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
}
}  // namespace

void LogManager::RenderPrometheus(std::string& out) const {
  auto topics = topics_->All();
  out += "# HELP pinpipe_log_records_appended_total Records appended to the log.\n";
  out += "# TYPE pinpipe_log_records_appended_total counter\n";
  for (Topic* t : topics) {
    out += "pinpipe_log_records_appended_total{topic=\"";
    AppendEscaped(out, t->name);
    out += "\"} " + std::to_string(t->records_appended.load(std::memory_order_relaxed)) + "\n";
  }
  out += "# HELP pinpipe_log_bytes_appended_total Batch bytes appended to the log.\n";
  out += "# TYPE pinpipe_log_bytes_appended_total counter\n";
  for (Topic* t : topics) {
    out += "pinpipe_log_bytes_appended_total{topic=\"";
    AppendEscaped(out, t->name);
    out += "\"} " + std::to_string(t->bytes_appended.load(std::memory_order_relaxed)) + "\n";
  }
  const char* gauges[2][2] = {{"pinpipe_log_end_offset", "Next offset to be assigned."},
                              {"pinpipe_log_high_watermark", "Next offset readers may see."}};
  for (int g = 0; g < 2; ++g) {
    out += std::string("# HELP ") + gauges[g][0] + " " + gauges[g][1] + "\n";
    out += std::string("# TYPE ") + gauges[g][0] + " gauge\n";
    for (Topic* t : topics) {
      for (PartitionLog* p : t->partitions()) {
        out += gauges[g][0];
        out += "{topic=\"";
        AppendEscaped(out, t->name);
        out += "\",partition=\"" + std::to_string(p->partition()) + "\"} ";
        out += std::to_string(g == 0 ? p->log_end_offset() : p->high_watermark());
        out += '\n';
      }
    }
  }
  const LogMetrics& m = bg_->metrics;
  out += "# HELP pinpipe_log_fsync_total fdatasync calls of group commit.\n";
  out += "# TYPE pinpipe_log_fsync_total counter\n";
  out += "pinpipe_log_fsync_total " + std::to_string(m.fsyncs.load()) + "\n";
  out += "# HELP pinpipe_log_fsync_errors_total Failed fdatasync calls.\n";
  out += "# TYPE pinpipe_log_fsync_errors_total counter\n";
  out += "pinpipe_log_fsync_errors_total " + std::to_string(m.fsync_errors.load()) + "\n";
  out += "# HELP pinpipe_log_recovery_points_total Recovery points written by group commit.\n";
  out += "# TYPE pinpipe_log_recovery_points_total counter\n";
  out += "pinpipe_log_recovery_points_total " + std::to_string(m.recovery_points.load()) + "\n";
  out += "# HELP pinpipe_log_recovery_validated_bytes Bytes CRC-checked at start-up after an "
         "unclean shutdown.\n";
  out += "# TYPE pinpipe_log_recovery_validated_bytes gauge\n";
  out += "pinpipe_log_recovery_validated_bytes " +
         std::to_string(m.recovery_validated_bytes.load()) + "\n";
  out += "# HELP pinpipe_log_unreadable_ranges Damaged stretches of the log kept as gaps that "
         "readers skip (found at start-up or by reads).\n";
  out += "# TYPE pinpipe_log_unreadable_ranges gauge\n";
  out += "pinpipe_log_unreadable_ranges " + std::to_string(m.unreadable_ranges.load()) + "\n";
  out += "# HELP pinpipe_log_corrupt_batches_read_total Batches whose CRC or header failed when "
         "read (never served).\n";
  out += "# TYPE pinpipe_log_corrupt_batches_read_total counter\n";
  out += "pinpipe_log_corrupt_batches_read_total " +
         std::to_string(m.corrupt_batches_read.load()) + "\n";
  out += "# HELP pinpipe_log_gap_skips_total Reads that skipped unreadable offsets.\n";
  out += "# TYPE pinpipe_log_gap_skips_total counter\n";
  out += "pinpipe_log_gap_skips_total " + std::to_string(m.gap_skips.load()) + "\n";
  out += "# HELP pinpipe_log_fsync_seconds Latency of group-commit fsyncs.\n";
  out += "# TYPE pinpipe_log_fsync_seconds histogram\n";
  m.fsync_latency.Render(out, "pinpipe_log_fsync_seconds");
}

}  // namespace pinpipe::log
