#include "kinesis/shard_throttle.h"
#include "common/mutex.h"

#include <algorithm>
#include <charconv>

namespace pinpipe::kinesis {

std::optional<ThrottleLimits> ParseThrottleLimits(std::string_view text) {
  int64_t v[4];
  for (int i = 0; i < 4; ++i) {
    const size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    if ((comma == std::string_view::npos) != (i == 3)) return std::nullopt;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v[i]);
    if (ec != std::errc() || end != item.data() + item.size() || v[i] < 1 || v[i] > (int64_t{1} << 30)) {
      return std::nullopt;
    }
    text.remove_prefix(comma == std::string_view::npos ? text.size() : comma + 1);
  }
  return ThrottleLimits{v[0], v[1], v[2], v[3]};
}

struct ShardThrottle::Shard::Guard {
  // Held for a few additions: spinning beats a futex (no system call to release it).
  explicit Guard(std::atomic_flag& f) : flag(f) {
    while (flag.test_and_set(std::memory_order_acquire)) {
      while (flag.test(std::memory_order_relaxed)) {
      }
    }
  }
  ~Guard() { flag.clear(std::memory_order_release); }
  std::atomic_flag& flag;
};

void ShardThrottle::Shard::Bucket::Init(int64_t per_second, int64_t now_ms) {
  rate = per_second;
  tokens = per_second * 1000;  // a full second's budget
  last_ms = now_ms;
}

void ShardThrottle::Shard::Bucket::Refill(int64_t now_ms) {
  if (now_ms <= last_ms) return;  // a clock going backwards refills nothing
  const int64_t cap = rate * 1000;
  // Milliseconds to fill up (overdrawn read bytes may need several seconds); no overflow.
  const int64_t to_full = tokens >= cap ? 0 : (cap - tokens + rate - 1) / std::max<int64_t>(rate, 1);
  tokens = now_ms - last_ms >= to_full ? cap : tokens + (now_ms - last_ms) * rate;
  last_ms = now_ms;
}

bool ShardThrottle::Shard::AdmitWrite(int64_t bytes, int64_t now_ms) {
  Guard g(busy_);
  write_bytes_.Refill(now_ms);
  write_records_.Refill(now_ms);
  if (write_records_.tokens < 1000 || write_bytes_.tokens < bytes * 1000) return false;
  write_records_.tokens -= 1000;
  write_bytes_.tokens -= bytes * 1000;
  return true;
}

bool ShardThrottle::Shard::AdmitRead(int64_t now_ms) {
  Guard g(busy_);
  read_calls_.Refill(now_ms);
  read_bytes_.Refill(now_ms);
  if (read_calls_.tokens < 1000 || read_bytes_.tokens < 0) return false;
  read_calls_.tokens -= 1000;
  return true;
}

void ShardThrottle::Shard::ChargeRead(int64_t bytes, int64_t now_ms) {
  Guard g(busy_);
  read_bytes_.Refill(now_ms);
  read_bytes_.tokens -= bytes * 1000;
}

std::shared_ptr<const ShardThrottle::Stream> ShardThrottle::For(const std::string& name, int64_t created_ms,
                                                               size_t shard_count, int64_t now_ms) {
  {
    ReaderMutexLock lock(mu_);
    auto it = streams_.find(name);
    if (it != streams_.end() && it->second->created_ms_ == created_ms && shard_count <= it->second->shards_.size()) {
      return it->second;
    }
  }
  // A new stream, a recreated one, or shards added by a reshard: a new table sharing the
  // buckets of the shards that stay (holders of the old table keep valid buckets).
  WriterMutexLock lock(mu_);
  auto& cur = streams_[name];
  if (cur && cur->created_ms_ == created_ms && shard_count <= cur->shards_.size()) return cur;
  auto next = std::make_shared<Stream>();
  next->created_ms_ = created_ms;
  if (cur && cur->created_ms_ == created_ms) next->shards_ = cur->shards_;
  while (next->shards_.size() < shard_count) {
    auto sh = std::make_shared<Shard>();
    sh->write_bytes_.Init(limits_.write_bytes, now_ms);
    sh->write_records_.Init(limits_.write_records, now_ms);
    sh->read_bytes_.Init(limits_.read_bytes, now_ms);
    sh->read_calls_.Init(limits_.read_calls, now_ms);
    next->shards_.push_back(std::move(sh));
  }
  cur = next;
  return next;
}

void ShardThrottle::Forget(const std::string& name) {
  WriterMutexLock lock(mu_);
  streams_.erase(name);
}

}  // namespace pinpipe::kinesis
