// Per-shard throughput limits (protocols.md §2 limits table; streaming.md "Kinesis read limits"):
// a shard takes 1 MiB/s (data + partition key) and 1,000 records/s of writes, and serves 2 MiB/s
// and 5 GetRecords calls/s of reads. Over them, AWS answers ProvisionedThroughputExceeded.
//
// Token buckets holding one second's budget, refilled continuously from a caller-given clock
// reading (milliseconds; tests pass a manual clock, so they are deterministic). A stream's
// buckets are found once per request (a reader lock, never per record); each shard's bucket has
// its own spin flag, held for a few arithmetic operations. Nothing here allocates per record.
// The service only calls in when `kinesis.throttle` is on.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/mutex.h"

namespace pinpipe::kinesis {

struct ThrottleLimits {
  int64_t write_bytes = 1 << 20;  // per second, data + partition key
  int64_t write_records = 1000;
  int64_t read_bytes = 2 << 20;  // per second, data + partition key returned
  int64_t read_calls = 5;        // GetRecords per second
};

// "write_bytes,write_records,read_bytes,read_calls" (kinesis.throttle_limits), each in
// [1, 2^30]; nullopt if malformed.
std::optional<ThrottleLimits> ParseThrottleLimits(std::string_view text);

class ShardThrottle {
 public:
  explicit ShardThrottle(ThrottleLimits limits) : limits_(limits) {}

  // One shard's buckets (valid while the Stream holding it lives).
  class Shard {
   public:
    // Takes one record of `bytes` if both write budgets hold it; false (nothing taken) if not.
    bool AdmitWrite(int64_t bytes, int64_t now_ms);
    // Takes one GetRecords call if the call budget allows it and the read bytes are not
    // overdrawn; false (nothing taken) otherwise.
    bool AdmitRead(int64_t now_ms);
    // Charges a GetRecords answer of `bytes`: may overdraw (a 10 MiB answer throttles the
    // shard's reads for ~4 s at 2 MiB/s, as AWS's "next 5 seconds").
    void ChargeRead(int64_t bytes, int64_t now_ms);

   private:
    friend class ShardThrottle;
    struct Bucket {
      int64_t tokens = 0;  // in 1/1000 units (so that a millisecond refills rate units)
      int64_t rate = 0;    // units per second = refill per millisecond in 1/1000 units
      int64_t last_ms = 0;
      void Init(int64_t per_second, int64_t now_ms);
      void Refill(int64_t now_ms);
    };
    struct Guard;
    std::atomic_flag busy_;
    Bucket write_bytes_, write_records_, read_bytes_, read_calls_;
  };

  // A stream's shards (a recreated stream, told by `created_ms`, starts with full buckets).
  class Stream {
   public:
    Shard& shard(int32_t index) const { return *shards_[static_cast<size_t>(index)]; }

   private:
    friend class ShardThrottle;
    int64_t created_ms_ = 0;
    std::vector<std::shared_ptr<Shard>> shards_;  // by index; copied into a larger table on growth
  };
  // The buckets of stream `name`'s first `shard_count` shards (at least); one lookup per request.
  std::shared_ptr<const Stream> For(const std::string& name, int64_t created_ms, size_t shard_count, int64_t now_ms);

  // Drops a deleted stream's buckets.
  void Forget(const std::string& name);

  const ThrottleLimits& limits() const { return limits_; }

 private:
  ThrottleLimits limits_;
  SharedMutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Stream>> streams_ GUARDED_BY(mu_);
};

}  // namespace pinpipe::kinesis
