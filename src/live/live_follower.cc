#include "live/live_follower.h"

#include <algorithm>
#include <chrono>

#include "batch/table_reader.h"
#include "batch/tasks.h"
#include "common/logging.h"
#include "common/mutex.h"
#include "lake/delta_actions.h"
#include "lake/delta_log_files.h"
#include "lake/delta_table.h"
#include "pinterest/raw_tables.h"

namespace pinpipe::live {

namespace {

// Adds rows [begin, end) of a clean table of kind k to `state`.
void AddRange(LiveAnalytics* state, const pinterest::CleanPinTable& t, size_t b, size_t e) { state->AddPins(t, b, e); }
void AddRange(LiveAnalytics* state, const pinterest::CleanGeoTable& t, size_t b, size_t e) { state->AddGeos(t, b, e); }
void AddRange(LiveAnalytics* state, const pinterest::CleanUserTable& t, size_t b, size_t e) { state->AddUsers(t, b, e); }

// Adds the rows of `t` to `state`, except those whose fingerprint is in `in_batch` (sorted),
// in runs of consecutive kept rows. Counts the skipped ones in *skipped.
template <typename Table>
void AddKept(LiveAnalytics* state, const Table& t, const std::vector<uint64_t>& fps,
             const std::vector<uint64_t>* in_batch, size_t* skipped) {
  if (!in_batch || in_batch->empty()) {
    AddRange(state, t, 0, t.size());
    return;
  }
  size_t run = 0;
  for (size_t r = 0; r < t.size(); ++r) {
    if (!std::binary_search(in_batch->begin(), in_batch->end(), fps[r])) continue;
    AddRange(state, t, run, r);
    run = r + 1;
    ++*skipped;
  }
  AddRange(state, t, run, t.size());
}

// Adds the rows of `files` (or, when null, of the snapshot at `select.version`/latest) of
// streaming or clean table `k` to `state`. With `collect` (the batch side), their row
// fingerprints are appended to it; with a non-empty `in_batch` (the stream side), rows whose
// fingerprint it holds are the batch's already and are skipped (counted in *skipped).
Status AddRows(size_t k, lake::TableStorage& storage, const batch::DateRange* dates,
               const batch::FileSelection& select, LiveAnalytics* state, batch::ReadStats* rs,
               std::vector<uint64_t>* collect, const std::vector<uint64_t>* in_batch, size_t* skipped) {
  std::vector<uint64_t> fps;
  const bool filter = in_batch && !in_batch->empty();
  std::vector<uint64_t>* want = collect ? collect : filter ? &fps : nullptr;
  switch (k) {
    case 0: {
      PINPIPE_ASSIGN_OR_RETURN(auto t, batch::ReadPinForAnalytics(storage, rs, dates, select, want));
      AddKept(state, t, fps, filter ? in_batch : nullptr, skipped);
      return OkStatus();
    }
    case 1: {
      PINPIPE_ASSIGN_OR_RETURN(auto t, batch::ReadGeoForAnalytics(storage, rs, dates, select, want));
      AddKept(state, t, fps, filter ? in_batch : nullptr, skipped);
      return OkStatus();
    }
    default: {
      PINPIPE_ASSIGN_OR_RETURN(auto t, batch::ReadUserForAnalytics(storage, rs, dates, select, want));
      AddKept(state, t, fps, filter ? in_batch : nullptr, skipped);
      return OkStatus();
    }
  }
}

const char* kKinds[] = {"pin", "geo", "user"};

}  // namespace

LiveFollower::LiveFollower(batch::BatchLake* lake, LiveSettings settings, LiveView* view)
    : lake_(lake), settings_(std::move(settings)), view_(view) {}

LiveFollower::~LiveFollower() { Stop(); }

void LiveFollower::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void LiveFollower::Stop() {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.NotifyAll();
  if (thread_.joinable()) thread_.join();
}

void LiveFollower::Loop() {
  for (;;) {
    if (Status st = PollOnce(); !st && last_error_ != st.error().message()) {
      spdlog::warn("live: {}", st.error().message());
      last_error_ = st.error().message();
      if (built_) Publish();  // the last good view, now carrying the error
    }
    MutexLock lock(mu_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(settings_.poll_ms);
    while (!stop_ && cv_.WaitUntil(mu_, deadline)) {
    }
    if (stop_) return;
  }
}

Status LiveFollower::AddStreamTable(size_t k, LiveAnalytics* state, const std::vector<uint64_t>& in_batch,
                                    int64_t* version, size_t* skipped) {
  auto storage = lake_->Table(settings_.stream_tables[k]);
  auto head = storage->Head(lake::CommitKey(0));
  if (!head) {
    if (head.error().code() == ErrorCode::kNotFound) return OkStatus();  // not created yet
    return std::unexpected(head.error());
  }
  batch::ReadStats rs;
  PINPIPE_RETURN_IF_ERROR(AddRows(k, *storage, nullptr, {}, state, &rs, nullptr, &in_batch, skipped));
  *version = rs.version;
  return OkStatus();
}

Status LiveFollower::Rebuild(const std::optional<batch::AnalyticsBoundary>& boundary) {
  auto state = std::make_unique<LiveAnalytics>(settings_.join_store);
  std::array<std::vector<uint64_t>, 3> batch_rows;
  if (boundary) {
    const int64_t versions[] = {boundary->pin_version, boundary->geo_version, boundary->user_version};
    const batch::DateRange* dates = boundary->window ? &*boundary->window : nullptr;
    for (size_t k = 0; k < 3; ++k) {
      auto storage = lake_->Table(batch::CleanTablePath(static_cast<pinterest::RawKind>(k)));
      batch::FileSelection select;
      select.version = versions[k];
      if (Status st = AddRows(k, *storage, dates, select, state.get(), nullptr, &batch_rows[k], nullptr, nullptr);
          !st) {
        return MakeError(st.error().code(), std::string("reading the batch's ") + kKinds[k] + " table at version " +
                                                std::to_string(versions[k]) + ": " + st.error().message());
      }
    }
  }
  LiveCounts batch_counts = state->counts();
  std::vector<pinterest::ResultTable> batch_results = state->Results(settings_.median);
  for (auto& fps : batch_rows) {
    std::sort(fps.begin(), fps.end());
    fps.shrink_to_fit();  // 8 bytes per row of B, not the growth slack
  }
  std::array<int64_t, 3> versions{-1, -1, -1};
  std::array<size_t, 3> skipped{};
  for (size_t k = 0; k < 3; ++k) {
    PINPIPE_RETURN_IF_ERROR(AddStreamTable(k, state.get(), batch_rows[k], &versions[k], &skipped[k]));
  }
  PINPIPE_RETURN_IF_ERROR(state->status());
  // Swap: everything below is this thread's, published in one pointer.
  state_ = std::move(state);
  boundary_ = boundary;
  versions_ = versions;
  batch_rows_ = std::move(batch_rows);
  stream_in_batch_ = skipped;
  batch_counts_ = batch_counts;
  batch_results_ = std::move(batch_results);
  built_ = true;
  return OkStatus();
}

Status LiveFollower::Follow(size_t k, LiveAnalytics* state, int64_t* version, bool* changed, bool* rebuild) {
  auto storage = lake_->Table(settings_.stream_tables[k]);
  for (;;) {
    auto bytes = storage->Get(lake::CommitKey(*version + 1));
    if (!bytes) {
      if (bytes.error().code() == ErrorCode::kNotFound) return OkStatus();
      return std::unexpected(bytes.error());
    }
    PINPIPE_ASSIGN_OR_RETURN(std::vector<lake::Action> actions,
                             lake::ParseCommit(*bytes, lake::CommitKey(*version + 1)));
    std::vector<lake::AddFile> adds;
    for (auto& a : actions) {
      if (auto* add = std::get_if<lake::AddFile>(&a); add && add->data_change) adds.push_back(std::move(*add));
      if (auto* rm = std::get_if<lake::RemoveFile>(&a); rm && rm->data_change) *rebuild = true;
      // A new schema or an overwrite from another writer also comes with data-changing removes.
    }
    if (*rebuild) return OkStatus();
    if (!adds.empty()) {
      batch::FileSelection select;
      select.files = &adds;
      PINPIPE_RETURN_IF_ERROR(
          AddRows(k, *storage, nullptr, select, state, nullptr, nullptr, &batch_rows_[k], &stream_in_batch_[k]));
      *changed = true;
    }
    ++*version;
  }
}

Status LiveFollower::PollOnce() {
  PINPIPE_ASSIGN_OR_RETURN(std::optional<batch::AnalyticsBoundary> boundary,
                           batch::ReadAnalyticsBoundary(lake_->store()));
  bool changed = false;
  // A join store error means the state missed rows: it is rebuilt (into fresh files).
  if (!built_ || boundary != boundary_ || !state_->status()) {
    PINPIPE_RETURN_IF_ERROR(Rebuild(boundary));
    changed = true;
  } else {
    bool rebuild = false;
    for (size_t k = 0; k < 3 && !rebuild; ++k) {
      PINPIPE_RETURN_IF_ERROR(Follow(k, state_.get(), &versions_[k], &changed, &rebuild));
    }
    PINPIPE_RETURN_IF_ERROR(state_->status());
    if (rebuild) {
      PINPIPE_RETURN_IF_ERROR(Rebuild(boundary));
      changed = true;
    }
  }
  if (changed || !last_error_.empty()) {
    last_error_.clear();
    Publish();
  }
  return OkStatus();
}

void LiveFollower::Publish() {
  auto s = std::make_shared<LiveSnapshot>();
  s->generation = ++generation_;
  s->updated_ms = lake::NowMillis();
  s->median = settings_.median;
  s->boundary = boundary_;
  s->stream_versions = versions_;
  s->stream_in_batch = stream_in_batch_;
  s->batch_counts = batch_counts_;
  s->counts = state_->counts();
  const JoinStore& js = state_->join_store();
  s->join_store = {js.entries(), js.disk_bytes(), js.cache_bytes(), js.reads(), js.writes()};
  s->live = state_->Results(settings_.median);
  s->batch = batch_results_;
  s->last_error = last_error_;
  for (size_t i = 0; i < s->live.size(); ++i) s->live_json.push_back(TableJson(*s, i, false));
  for (size_t i = 0; i < s->batch.size(); ++i) s->batch_json.push_back(TableJson(*s, i, true));
  view_->Publish(std::move(s));
}

}  // namespace pinpipe::live
