#include "stream/remote_kinesis_log.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "common/base64.h"
#include "common/json_writer.h"
#include "common/logging.h"
#include "common/rate_limited_log.h"
#include "log/record_batch.h"

namespace pinpipe::stream {
namespace {

using kinesis::Value;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

const std::string* Str(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f && f->kind == Value::Kind::kString ? &f->s : nullptr;
}

}  // namespace

int32_t RemoteKinesisLog::PartitionOfShardId(std::string_view id) {
  const size_t dash = id.rfind('-');
  std::string_view digits = dash == std::string_view::npos ? id : id.substr(dash + 1);
  if (digits.empty() || digits.size() > 12) return -1;
  int64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n > INT32_MAX ? -1 : static_cast<int32_t>(n);
}

RemoteKinesisLog::RemoteKinesisLog(RemoteKinesisOptions options)
    : options_(std::move(options)), client_(options_.endpoint) {}

RemoteKinesisLog::~RemoteKinesisLog() { Stop(); }

Status RemoteKinesisLog::Start() {
  if (poller_.joinable()) return OkStatus();
  Status first = ListShardsNow();  // an endpoint that does not answer is retried by the poller
  if (!first) spdlog::warn("stream: {}", first.error().message());
  stop_.store(false);
  poller_ = std::thread([this] { PollLoop(); });
  return OkStatus();
}

void RemoteKinesisLog::Stop() {
  stop_.store(true);
  {
    MutexLock lock(mu_);
    cv_.NotifyAll();
  }
  if (poller_.joinable()) poller_.join();
}

Status RemoteKinesisLog::ListShardsNow() {
  struct Listed {
    std::string stream, id, ending_seq;
    std::vector<std::string> parents;
  };
  std::vector<Listed> all;
  std::set<std::string> answered;  // streams that exist
  for (const auto& stream : options_.streams) {
    std::string token;
    do {
      Value req = Value::Map();
      // NextToken and StreamName are mutually exclusive (the API rejects both).
      if (token.empty()) {
        req.Set("StreamName", Value::String(stream));
      } else {
        req.Set("NextToken", Value::String(token));
      }
      auto r = client_.Call("ListShards", req);
      if (!r) {
        if (r.error().type == "ResourceNotFoundException") break;  // not created yet
        std::string msg = "ListShards " + stream + " at " + options_.endpoint.url + ": " +
                          (r.error().type.empty() ? "" : r.error().type + ": ") + r.error().message;
        MutexLock lock(mu_);
        list_error_ = msg;
        return MakeError(ErrorCode::kUnavailable, msg);
      }
      answered.insert(stream);
      token.clear();
      if (const auto* t = Str(*r, "NextToken")) token = *t;
      if (const Value* shards = r->Find("Shards"); shards && shards->kind == Value::Kind::kArray) {
        for (const Value& sh : shards->items) {
          Listed l;
          l.stream = stream;
          if (const auto* id = Str(sh, "ShardId")) l.id = *id;
          if (const Value* range = sh.Find("SequenceNumberRange")) {
            if (const auto* end = Str(*range, "EndingSequenceNumber")) l.ending_seq = *end;
          }
          for (const char* p : {"ParentShardId", "AdjacentParentShardId"}) {
            if (const auto* pid = Str(sh, p); pid && !pid->empty()) l.parents.push_back(*pid);
          }
          if (!l.id.empty()) all.push_back(std::move(l));
        }
      }
    } while (!token.empty() && !stop_.load());
  }
  MutexLock lock(mu_);
  list_error_.clear();
  for (auto& [key, s] : shards_) {
    if (answered.contains(key.topic)) s.listed = false;
  }
  for (auto& l : all) {
    const int32_t p = PartitionOfShardId(l.id);
    if (p < 0) {
      static LogRateLimiter limiter(1, 60'000);
      LogRateLimited(limiter, spdlog::level::warn,
                     "stream: shard {} of {} has no shardId-<number> id; it is not read", l.id, l.stream);
      continue;
    }
    Key key{l.stream, p};
    auto [it, fresh] = shards_.try_emplace(key);
    Shard& s = it->second;
    s.listed = true;
    s.ending_seq = l.ending_seq;
    if (fresh) {
      s.stream = l.stream;
      s.id = l.id;
      s.parents = std::move(l.parents);
      if (auto seat = seats_.find(key); seat != seats_.end()) {
        s.base = seat->second.first;
        s.base_seq = seat->second.second;
      }
    }
  }
  UpdateEnabledLocked();
  return OkStatus();
}

void RemoteKinesisLog::UpdateEnabledLocked() {
  for (auto& [key, s] : shards_) {
    if (s.enabled) continue;
    bool ready = true;
    for (const auto& parent : s.parents) {
      auto it = shards_.find(Key{s.stream, PartitionOfShardId(parent)});
      // A parent no longer listed is past retention: nothing of it is left to read first.
      if (it != shards_.end() && it->second.listed && !it->second.ended) ready = false;
    }
    s.enabled = ready;
  }
}

RemoteKinesisLog::Shard* RemoteKinesisLog::FindLocked(const Key& key) {
  auto it = shards_.find(key);
  return it == shards_.end() ? nullptr : &it->second;
}

void RemoteKinesisLog::PollLoop() {
  int64_t next_list = NowMs() + options_.list_interval_ms;
  int64_t list_backoff = 0;
  while (!stop_.load()) {
    int64_t now = NowMs();
    bool list = false;
    {
      MutexLock lock(mu_);
      list = list_now_ || now >= next_list;
      list_now_ = false;
    }
    if (list) {
      Status st = ListShardsNow();
      if (st) {
        list_backoff = 0;
        next_list = NowMs() + options_.list_interval_ms;
      } else {
        list_backoff = std::min<int64_t>(list_backoff ? list_backoff * 2 : 200, 5000);
        next_list = NowMs() + list_backoff;
        static LogRateLimiter limiter(3, 60'000);
        LogRateLimited(limiter, spdlog::level::warn, "stream: {}", st.error().message());
      }
    }
    std::vector<Key> due;
    int64_t wake = next_list;
    now = NowMs();
    {
      MutexLock lock(mu_);
      for (auto& [key, s] : shards_) {
        if (!s.enabled || s.ended || s.bytes >= options_.max_buffer_bytes) continue;
        if (s.next_poll_ms <= now) {
          due.push_back(key);
        } else {
          wake = std::min(wake, s.next_poll_ms);
        }
      }
    }
    for (const auto& key : due) {
      if (stop_.load()) break;
      PollShard(key);
    }
    if (due.empty()) {
      MutexLock lock(mu_);
      if (!stop_.load() && !list_now_) {
        // At most 200 ms: a full buffer drained by Fetch is polled again soon.
        cv_.WaitFor(mu_, std::chrono::milliseconds(std::clamp<int64_t>(wake - NowMs(), 1, 200)));
      }
    }
  }
}

bool RemoteKinesisLog::PollShard(const Key& key) {
  uint64_t gen = 0;
  std::string iterator, after, stream, id;
  {
    MutexLock lock(mu_);
    Shard* s = FindLocked(key);
    if (!s) return false;
    gen = s->generation;
    iterator = s->iterator;
    after = s->recs.empty() ? s->base_seq : s->recs.back().seq;
    stream = s->stream;
    id = s->id;
  }
  auto fail = [&](const KinesisError& e) {
    MutexLock lock(mu_);
    Shard* s = FindLocked(key);
    if (!s || s->generation != gen) return;
    const int64_t now = NowMs();
    if (e.type == "ExpiredIteratorException") {
      // Iterators live 5 minutes: get one again from the last record buffered.
      expired_.fetch_add(1);
      ++s->expired;
      s->iterator.clear();
      s->next_poll_ms = now;
      return;
    }
    if (e.type == "ProvisionedThroughputExceededException" || e.type == "LimitExceededException") {
      throttles_.fetch_add(1);
      ++s->throttled;
    } else {
      s->error = (e.type.empty() ? "" : e.type + ": ") + e.message;
      static LogRateLimiter limiter(3, 60'000);
      LogRateLimited(limiter, spdlog::level::warn, "stream: {} {}: {}", stream, id, s->error);
      if (e.type == "InvalidArgumentException" || e.type == "ResourceNotFoundException") s->iterator.clear();
    }
    s->backoff_ms = std::min<int64_t>(s->backoff_ms ? s->backoff_ms * 2 : 100, 5000);
    s->next_poll_ms = now + s->backoff_ms;
  };
  if (iterator.empty()) {
    Value req = Value::Map();
    req.Set("StreamName", Value::String(stream));
    req.Set("ShardId", Value::String(id));
    if (after.empty()) {
      req.Set("ShardIteratorType", Value::String("TRIM_HORIZON"));
    } else {
      req.Set("ShardIteratorType", Value::String("AFTER_SEQUENCE_NUMBER"));
      req.Set("StartingSequenceNumber", Value::String(after));
    }
    auto r = client_.Call("GetShardIterator", req);
    if (!r) {
      fail(r.error());
      return false;
    }
    const auto* it = Str(*r, "ShardIterator");
    if (!it || it->empty()) {
      fail(KinesisError{200, "InvalidResponse", "GetShardIterator answered no ShardIterator"});
      return false;
    }
    iterator = *it;
  }
  Value req = Value::Map();
  req.Set("ShardIterator", Value::String(iterator));
  req.Set("Limit", Value::Int(options_.get_records_limit));
  auto r = client_.Call("GetRecords", req);
  get_records_.fetch_add(1);
  if (!r) {
    fail(r.error());
    return false;
  }
  std::vector<Rec> got;
  if (const Value* recs = r->Find("Records"); recs && recs->kind == Value::Kind::kArray) {
    got.reserve(recs->items.size());
    for (const Value& v : recs->items) {
      Rec rec;
      const auto* seq = Str(v, "SequenceNumber");
      const Value* data = v.Find("Data");
      if (!seq || !data) continue;
      rec.seq = *seq;
      if (data->kind == Value::Kind::kBytes) {
        rec.data = data->s;
      } else if (data->kind != Value::Kind::kString || !Base64Decode(data->s, rec.data)) {
        fail(KinesisError{200, "InvalidResponse", "GetRecords: a record's Data is not base64"});
        return false;
      }
      if (const auto* k = Str(v, "PartitionKey")) rec.key = *k;
      if (const Value* ts = v.Find("ApproximateArrivalTimestamp")) {
        // JSON: epoch seconds (with a fraction); CBOR: epoch milliseconds.
        rec.ts_ms = ts->kind == Value::Kind::kTimestamp ? static_cast<int64_t>(ts->d)
                    : ts->kind == Value::Kind::kInt     ? ts->i * 1000
                    : ts->kind == Value::Kind::kDouble  ? static_cast<int64_t>(std::llround(ts->d * 1000))
                                                        : 0;
      }
      got.push_back(std::move(rec));
    }
  }
  std::vector<std::function<void()>> wake;
  {
    MutexLock lock(mu_);
    Shard* s = FindLocked(key);
    if (!s || s->generation != gen) return false;  // seated meanwhile: a stale answer
    for (auto& rec : got) {
      s->bytes += rec.data.size() + rec.key.size() + rec.seq.size();
      s->recs.push_back(std::move(rec));
    }
    if (const Value* m = r->Find("MillisBehindLatest"); m && m->kind == Value::Kind::kInt) {
      s->millis_behind = m->i;
    }
    s->backoff_ms = 0;
    s->error.clear();
    const auto* next = Str(*r, "NextShardIterator");
    // Some endpoints (moto) keep answering an iterator for a closed shard read to its end.
    const bool closed_and_read = !s->ending_seq.empty() && got.empty() && s->millis_behind == 0;
    if (!next || next->empty() || closed_and_read) {
      // A closed shard read to its end: its children may be read now (ChildShards names them;
      // ListShards lists them with their parents, which is what enabling checks).
      s->ended = true;
      s->caught_up = true;
      s->iterator.clear();
      list_now_ = true;
      UpdateEnabledLocked();
    } else {
      s->iterator = *next;
      if (s->millis_behind == 0 && got.empty()) s->caught_up = true;
    }
    s->next_poll_ms = got.empty() ? NowMs() + options_.idle_poll_ms : NowMs();
    const int64_t hw = s->base + static_cast<int64_t>(s->recs.size());
    for (auto it = waits_.begin(); it != waits_.end();) {
      if (it->second.key == key && it->second.offset < hw) {
        wake.push_back(std::move(it->second.fn));
        it = waits_.erase(it);
      } else {
        ++it;
      }
    }
    cv_.NotifyAll();
  }
  for (auto& fn : wake) fn();
  return !got.empty();
}

Status RemoteKinesisLog::WaitCaughtUp(int64_t timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  MutexLock lock(mu_);
  while (true) {
    bool done = true;
    std::string behind;
    for (const auto& [key, s] : shards_) {
      if (s.listed && (!s.enabled || !s.caught_up)) {
        done = false;
        behind = s.stream + "/" + s.id + (s.error.empty() ? "" : " (" + s.error + ")");
        break;
      }
    }
    if (done && list_error_.empty() && !list_now_) return OkStatus();
    if (stop_.load() || !cv_.WaitUntil(mu_, deadline)) {
      if (std::chrono::steady_clock::now() < deadline && !stop_.load()) continue;
      return MakeError(ErrorCode::kUnavailable,
                       "stream: the Kinesis endpoint " + options_.endpoint.url + " was not read to its tip in time" +
                           (behind.empty() ? (list_error_.empty() ? "" : ": " + list_error_) : ": " + behind));
    }
  }
}

std::vector<log::TopicPartition> RemoteKinesisLog::ListPartitions() {
  MutexLock lock(mu_);
  std::vector<log::TopicPartition> out;
  for (const auto& [key, s] : shards_) {
    if (s.enabled) out.push_back(key);
  }
  return out;
}

Result<log::FetchResult> RemoteKinesisLog::Fetch(const log::TopicPartition& tp, int64_t offset,
                                                 size_t max_bytes, std::string& out) {
  MutexLock lock(mu_);
  Shard* s = FindLocked(tp);
  if (!s || !s->enabled) return MakeError(ErrorCode::kNotFound, "no shard " + tp.ToString());
  log::FetchResult f;
  const int64_t hw = s->base + static_cast<int64_t>(s->recs.size());
  f.high_watermark = hw;
  f.log_start_offset = s->base;
  f.next_offset = offset;
  if (offset < s->base || offset > hw) {
    f.out_of_range = true;
    return f;
  }
  // What is below the offset asked for is never asked for again (the job reads forward from
  // what it planned; a restart seats the shard anew): drop it, keeping its last sequence number.
  if (offset > s->base) {
    const size_t drop = static_cast<size_t>(offset - s->base);
    s->base_seq = s->recs[drop - 1].seq;
    for (size_t i = 0; i < drop; ++i) {
      s->bytes -= s->recs.front().data.size() + s->recs.front().key.size() + s->recs.front().seq.size();
      s->recs.pop_front();
    }
    s->base = offset;
  }
  std::vector<log::Record> batch;
  batch.reserve(std::min(options_.records_per_batch, s->recs.size()));
  size_t bytes = 0;
  size_t i = 0;
  while (i < s->recs.size() && (bytes == 0 || bytes < max_bytes)) {
    batch.clear();
    const size_t first = i;
    for (; i < s->recs.size() && batch.size() < std::max<size_t>(1, options_.records_per_batch); ++i) {
      const Rec& r = s->recs[i];
      log::Record rec;
      rec.key = std::string_view(r.key);
      rec.value = std::string_view(r.data);
      rec.timestamp_ms = r.ts_ms;
      batch.push_back(rec);
    }
    log::BatchOptions o;
    o.base_offset = s->base + static_cast<int64_t>(first);
    const size_t before = out.size();
    log::EncodeBatch(o, batch, 0, out);
    bytes += out.size() - before;
  }
  f.next_offset = s->base + static_cast<int64_t>(i);
  cv_.NotifyAll();  // room in the buffer again
  return f;
}

Result<log::PartitionOffsets> RemoteKinesisLog::Offsets(const log::TopicPartition& tp) {
  MutexLock lock(mu_);
  Shard* s = FindLocked(tp);
  if (!s) return MakeError(ErrorCode::kNotFound, "no shard " + tp.ToString());
  return log::PartitionOffsets{s->base, s->base + static_cast<int64_t>(s->recs.size())};
}

Result<uint64_t> RemoteKinesisLog::WaitForData(const log::TopicPartition& tp, int64_t offset,
                                               std::function<void()> fn) {
  MutexLock lock(mu_);
  if (Shard* s = FindLocked(tp); s && s->base + static_cast<int64_t>(s->recs.size()) > offset) return 0;
  const uint64_t id = next_wait_++;
  waits_.emplace(id, Wait{tp, offset, std::move(fn)});
  return id;
}

void RemoteKinesisLog::CancelWait(uint64_t id) {
  MutexLock lock(mu_);
  waits_.erase(id);
}

Status RemoteKinesisLog::Produce(std::string_view topic, const log::Record&) {
  return MakeError(ErrorCode::kUnsupported,
                   "a remote Kinesis source is read only (no record to " + std::string(topic) + ")");
}

Result<std::string> RemoteKinesisLog::PositionAt(const log::TopicPartition& tp, int64_t offset) {
  MutexLock lock(mu_);
  Shard* s = FindLocked(tp);
  if (!s) return MakeError(ErrorCode::kNotFound, "no shard " + tp.ToString());
  const int64_t hw = s->base + static_cast<int64_t>(s->recs.size());
  if (offset == s->base) return s->base_seq;
  if (offset < s->base || offset > hw) {
    return MakeError(ErrorCode::kInternal, "stream: " + tp.ToString() + " offset " + std::to_string(offset) +
                                               " is not buffered (" + std::to_string(s->base) + ".." +
                                               std::to_string(hw) + ")");
  }
  return s->recs[static_cast<size_t>(offset - s->base - 1)].seq;
}

Status RemoteKinesisLog::Seat(const log::TopicPartition& tp, int64_t offset, std::string_view position) {
  MutexLock lock(mu_);
  seats_[tp] = {offset, std::string(position)};
  if (Shard* s = FindLocked(tp)) {
    if (s->base == offset && s->base_seq == position) return OkStatus();  // already there
    s->base = offset;
    s->base_seq = std::string(position);
    s->recs.clear();
    s->bytes = 0;
    s->iterator.clear();
    s->caught_up = false;
    s->ended = false;
    s->next_poll_ms = 0;
    ++s->generation;
    cv_.NotifyAll();
  }
  return OkStatus();
}

std::vector<std::string> RemoteKinesisLog::Problems() const {
  MutexLock lock(mu_);
  if (list_error_.empty()) return {};
  return {"stream: " + list_error_};
}

void RemoteKinesisLog::AppendStatus(const log::TopicPartition& tp, std::string& json) const {
  MutexLock lock(mu_);
  auto it = shards_.find(tp);
  if (it == shards_.end()) return;
  const Shard& s = it->second;
  json += ",\"millis_behind_latest\":" + std::to_string(s.millis_behind);
  json += std::string(",\"shard_closed\":") + (s.ended ? "true" : "false");
  json += ",\"throttled\":" + std::to_string(s.throttled) + ",\"expired_iterators\":" + std::to_string(s.expired);
  if (!s.error.empty()) {
    json += ",\"source_error\":";
    AppendJsonString(json, s.error);
  }
}

}  // namespace pinpipe::stream
