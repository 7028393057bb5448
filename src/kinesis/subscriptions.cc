#include "kinesis/subscriptions.h"

#include <algorithm>
#include <vector>

#include "kinesis/request_fields.h"

namespace pinpipe::kinesis {

class Subscription {
 public:
  std::string key;
  std::string consumer_arn;
  std::string shard_id;
  IteratorState pos;
  int64_t started_ms = 0;
  int64_t expires_ms = 0;
  int64_t last_event_ms = 0;

  Mutex mu;
  std::shared_ptr<EventSink> sink;  // set by Run
  bool scheduled = false;  // a Pump is queued or running
  bool paused = false;     // behind a slow reader, or the executor refused: Sweep resumes
  bool waiting = false;
  bool ended = false;
  bool sent_any = false;
  log::LogManager::WaitId wait_id = 0;
};

namespace {

std::unexpected<ApiError> Fail(std::string type, std::string message) {
  return std::unexpected(ApiError{std::move(type), std::move(message), 400});
}

// "arn:aws:kinesis:<region>:<account>:stream/<stream>/consumer/<name>:<creation epoch s>"
struct ConsumerArn {
  std::string stream, name;
  int64_t created_s = -1;
};
std::optional<ConsumerArn> ParseConsumerArn(const std::string& arn) {
  const auto st = arn.find(":stream/");
  const auto c = arn.find("/consumer/");
  const auto colon = arn.rfind(':');
  if (!arn.starts_with("arn:") || st == std::string::npos || c == std::string::npos || c < st ||
      colon == std::string::npos || colon < c) {
    return std::nullopt;
  }
  ConsumerArn r;
  r.stream = arn.substr(st + 8, c - st - 8);
  r.name = arn.substr(c + 10, colon - c - 10);
  const std::string digits = arn.substr(colon + 1);
  if (digits.empty() || digits.size() > 12 || !std::all_of(digits.begin(), digits.end(), [](char ch) {
        return ch >= '0' && ch <= '9';
      })) {
    return std::nullopt;
  }
  r.created_s = std::stoll(digits);
  return r;
}

}  // namespace

Subscriptions::Subscriptions(Service& service, const Clock& clock, Executor run, Options options)
    : service_(service), clock_(clock), run_(std::move(run)), options_(options) {
  if (options_.sweeper_thread) {
    sweeper_ = std::thread([this] {
      UniqueMutexLock lock(mu_);
      while (!stopped_) {
        cv_.WaitFor(mu_, std::chrono::seconds(1));
        if (stopped_) break;
        lock.unlock();
        Sweep();
        lock.lock();
      }
    });
  }
}

Subscriptions::~Subscriptions() { Stop(); }

void Subscriptions::Stop() {
  std::vector<std::shared_ptr<Subscription>> live;
  {
    MutexLock lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    for (auto& [k, l] : leases_) {
      if (l.sub) live.push_back(l.sub);
    }
  }
  cv_.NotifyAll();
  if (sweeper_.joinable()) sweeper_.join();
  for (auto& s : live) Finish(s, std::nullopt, true);
}

size_t Subscriptions::live() const {
  MutexLock lock(mu_);
  size_t n = 0;
  for (const auto& [k, l] : leases_) {
    if (const auto& s = l.sub) {
      MutexLock sl(s->mu);
      n += s->ended ? 0 : 1;
    }
  }
  return n;
}

std::expected<std::shared_ptr<Subscription>, ApiError> Subscriptions::Open(const Value& req) {
  RequestFields f(req);
  const std::string* arn = f.String("ConsumerARN");
  const std::string* shard_id = f.String("ShardId");
  const Value* start = f.Map("StartingPosition");
  f.Required(arn != nullptr, "consumerARN");
  f.Required(shard_id != nullptr, "shardId");
  f.Required(start != nullptr, "startingPosition");
  std::optional<ConsumerArn> ref;
  if (arn) {
    ref = ParseConsumerArn(*arn);
    if (!ref) {
      f.Fail("Value " + Quoted(*arn) + " at 'consumerARN' failed to satisfy constraint: Member must satisfy regular "
             "expression pattern: ^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/"
             "[a-zA-Z0-9_.-]+:[0-9]+");
    }
  }
  if (shard_id) {
    f.Length(*shard_id, 1, 128, "shardId");
    if (!shard_id->empty()) f.Pattern(*shard_id, RequestFields::ValidName(*shard_id), "[a-zA-Z0-9_.-]+", "shardId");
  }
  const std::string* type = nullptr;
  const std::string* seq = nullptr;
  std::optional<int64_t> ts;
  std::optional<ApiError> nested;
  if (start) {
    RequestFields p(*start);
    type = p.String("Type");
    seq = p.String("SequenceNumber");
    ts = p.TimestampMs("Timestamp");
    p.Required(type != nullptr, "startingPosition.type");
    if (type) {
      p.Enum(*type, {"AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"},
             "startingPosition.type");
    }
    nested = p.Error();
  }
  if (auto e = f.Error()) return std::unexpected(*e);
  if (nested) return std::unexpected(*nested);

  const std::string consumer_missing = "Consumer " + *arn + " not found.";
  auto stream = service_.store().Get(ref->stream);
  if (!stream) return Fail("ResourceNotFoundException", consumer_missing);
  const bool registered = std::any_of(stream->consumers.begin(), stream->consumers.end(), [&](const ConsumerMeta& c) {
    return c.name == ref->name && c.created_ms / 1000 == ref->created_s;
  });
  if (!registered) return Fail("ResourceNotFoundException", consumer_missing);

  // The position: GetShardIterator's rules (shard, sequence number, timestamp) and messages.
  Value gsi = Value::Map();
  gsi.Set("StreamName", Value::String(ref->stream));
  gsi.Set("ShardId", Value::String(*shard_id));
  gsi.Set("ShardIteratorType", Value::String(*type));
  if (seq) gsi.Set("StartingSequenceNumber", Value::String(*seq));
  if (ts) gsi.Set("Timestamp", Value::Timestamp(static_cast<double>(*ts)));
  auto pos = service_.StartPosition(gsi);
  if (!pos) return std::unexpected(pos.error());

  auto sub = std::make_shared<Subscription>();
  sub->consumer_arn = *arn;
  sub->shard_id = *shard_id;
  sub->key = *arn + "|" + *shard_id;
  sub->pos = *pos;
  const int64_t now = clock_.SteadyMs();
  sub->started_ms = now;
  sub->expires_ms = now + options_.lifetime_ms;
  sub->last_event_ms = now;
  std::shared_ptr<Subscription> previous;
  {
    MutexLock lock(mu_);
    if (stopped_) return std::unexpected(ApiError{"ServiceUnavailable", "Service is unavailable, retry.", 503});
    Lease& lease = leases_[sub->key];
    if (lease.started_ms != 0 && now - lease.started_ms < options_.takeover_after_ms) {
      return Fail("ResourceInUseException", "Another active subscription exists for consumer " + *arn +
                                                " and shard " + *shard_id + ". Retry after " +
                                                std::to_string(options_.takeover_after_ms / 1000) + " seconds.");
    }
    previous = lease.sub;
    lease.started_ms = now;
    lease.sub = sub;
  }
  if (previous) {
    Finish(previous,
           ApiError{"ResourceInUseException",
                    "A new subscription for consumer " + *arn + " and shard " + *shard_id + " took over this one.", 400},
           true);
  }
  return sub;
}

void Subscriptions::Run(const std::shared_ptr<Subscription>& sub, std::shared_ptr<EventSink> sink) {
  bool ended;
  {
    MutexLock lock(sub->mu);
    sub->sink = sink;
    ended = sub->ended;
  }
  if (ended) {
    sink->End(std::nullopt);  // taken over (or stopped) before it started
    return;
  }
  Schedule(sub);
}

void Subscriptions::Cancel(const std::shared_ptr<Subscription>& sub) { Finish(sub, std::nullopt, false); }

void Subscriptions::Schedule(const std::shared_ptr<Subscription>& sub) {
  log::LogManager::WaitId cancel = 0;
  {
    MutexLock lock(sub->mu);
    if (sub->ended || sub->scheduled || !sub->sink) return;
    sub->scheduled = true;
    sub->paused = false;
    if (sub->waiting) {
      sub->waiting = false;
      cancel = std::exchange(sub->wait_id, 0);
    }
  }
  if (cancel) service_.log().CancelWait(cancel);
  if (!run_([this, sub] { Pump(sub); })) {
    MutexLock lock(sub->mu);
    sub->scheduled = false;
    sub->paused = true;  // the pool is full: Sweep tries again
  }
}

void Subscriptions::Pump(const std::shared_ptr<Subscription>& sub) {
  std::shared_ptr<EventSink> sink;
  IteratorState pos;
  {
    MutexLock lock(sub->mu);
    if (sub->ended) return;
    sink = sub->sink;
    pos = sub->pos;
  }
  if (sink->Buffered() > options_.max_buffered) {
    MutexLock lock(sub->mu);
    sub->scheduled = false;
    sub->paused = true;
    return;
  }
  std::optional<IteratorState> next;
  // The consumer's name, from its ARN ".../consumer/<name>:<creation epoch s>".
  std::string_view consumer = sub->consumer_arn;
  if (auto at = consumer.find("/consumer/"); at != std::string_view::npos) consumer = consumer.substr(at + 10);
  consumer = consumer.substr(0, consumer.rfind(':'));
  Outcome ev = service_.ReadShard(pos, options_.max_event_records, options_.max_event_bytes, &next, consumer);
  if (!ev) return Finish(sub, ev.error(), true);
  const Value* records = ev->Find("Records");
  const bool at_end = !next.has_value();
  const int64_t now = clock_.SteadyMs();
  bool send;
  {
    MutexLock lock(sub->mu);
    send = at_end || (records && !records->items.empty()) || !sub->sent_any ||
           now - sub->last_event_ms >= options_.heartbeat_ms;
  }
  if (send && !sink->Event(*ev)) return Finish(sub, std::nullopt, false);
  if (at_end) return Finish(sub, std::nullopt, true);
  {
    MutexLock lock(sub->mu);
    if (send) {
      sub->sent_any = true;
      sub->last_event_ms = now;
    }
    sub->pos = *next;
    sub->scheduled = false;
    if (sub->ended) return;
  }
  Wait(sub);
}

// Caught up (or not): wake when the shard's high watermark passes the position.
void Subscriptions::Wait(const std::shared_ptr<Subscription>& sub) {
  std::weak_ptr<Subscription> weak = sub;
  int64_t offset;
  {
    MutexLock lock(sub->mu);
    if (sub->ended || sub->scheduled || sub->waiting) return;
    offset = sub->pos.offset;
    sub->waiting = true;  // claimed before registering, so a fast callback finds it
  }
  auto id = service_.log().WaitForData(sub->pos.stream, sub->pos.shard_index, offset, [this, weak] {
    if (auto s = weak.lock()) {
      {
        MutexLock lock(s->mu);
        if (!s->waiting) return;
        s->waiting = false;
        s->wait_id = 0;
      }
      Schedule(s);
    }
  });
  bool now = false;
  bool drop = false;
  {
    MutexLock lock(sub->mu);
    if (!id) {
      now = sub->waiting;  // the topic is gone: the next read reports it
      sub->waiting = false;
    } else if (*id == 0) {
      now = sub->waiting;  // data is there already
      sub->waiting = false;
    } else if (sub->waiting) {
      sub->wait_id = *id;
    } else {
      drop = true;  // woken or ended meanwhile: the waiter is not needed
    }
  }
  if (drop) service_.log().CancelWait(*id);
  if (now) Schedule(sub);
}

void Subscriptions::Finish(const std::shared_ptr<Subscription>& sub, const std::optional<ApiError>& error, bool write) {
  std::shared_ptr<EventSink> sink;
  log::LogManager::WaitId cancel = 0;
  {
    MutexLock lock(sub->mu);
    if (sub->ended) return;
    sub->ended = true;
    sink = sub->sink;
    cancel = std::exchange(sub->wait_id, 0);
    sub->waiting = false;
  }
  if (cancel) service_.log().CancelWait(cancel);
  {
    MutexLock lock(mu_);
    auto it = leases_.find(sub->key);
    if (it != leases_.end() && it->second.sub == sub) it->second.sub.reset();
  }
  if (sink && write) sink->End(error);
}

void Subscriptions::Sweep() {
  std::vector<std::shared_ptr<Subscription>> subs;
  {
    MutexLock lock(mu_);
    const int64_t now = clock_.SteadyMs();
    for (auto it = leases_.begin(); it != leases_.end();) {
      auto s = it->second.sub;
      if (!s && now - it->second.started_ms >= options_.takeover_after_ms) {
        it = leases_.erase(it);
        continue;
      }
      if (s) subs.push_back(std::move(s));
      ++it;
    }
  }
  const int64_t now = clock_.SteadyMs();
  for (auto& s : subs) {
    bool expired, wake;
    {
      MutexLock lock(s->mu);
      if (s->ended || !s->sink) continue;
      expired = now >= s->expires_ms;
      wake = s->paused || (s->waiting && now - s->last_event_ms >= options_.heartbeat_ms);
      if (!wake && s->waiting) {
        // A reshard closed the shard while this waited: no append will wake it.
        auto meta = service_.store().Get(s->pos.stream);
        if (meta && s->pos.shard_index < static_cast<int32_t>(meta->shards.size())) {
          const ShardMeta& sh = meta->shards[static_cast<size_t>(s->pos.shard_index)];
          wake = !sh.open() && !sh.closing() && s->pos.offset >= sh.end_offset;
        } else {
          wake = true;  // the stream is gone: the read reports it
        }
      }
    }
    if (expired) {
      Finish(s, std::nullopt, true);
    } else if (wake) {
      Schedule(s);
    }
  }
}

}  // namespace pinpipe::kinesis
