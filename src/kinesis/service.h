// The Kinesis Data Streams operations over the durable log (protocols.md §2). Transport-free:
// requests and responses are Values (decoded from JSON 1.1 or CBOR by the gateway), errors carry
// AWS's exception names.
//
// Threading: Call (control plane and reads) may fsync the metadata file or read the log, so it
// runs on worker threads only. Put never blocks: it appends on the calling (reactor) thread and
// completes `done` from the log's durability callback (a flusher thread with log.flush=always),
// as the REST Proxy's produce does.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "kinesis/iterator_ages.h"
#include "kinesis/shard_iterator.h"
#include "kinesis/shard_throttle.h"
#include "kinesis/stream_store.h"
#include "kinesis/value.h"
#include "log/log_manager.h"

namespace pinpipe::kinesis {

struct ApiError {
  std::string type;  // "ResourceNotFoundException"
  std::string message;
  int status = 400;  // 500 for InternalFailure
};

using Outcome = std::expected<Value, ApiError>;  // Value null = empty body

struct ServiceOptions {
  std::string region = "us-east-1";
  std::string account = "000000000000";
  int32_t shard_limit = 10000;  // open shards per stream
  int32_t consumer_limit = 20;  // registered consumers per stream (AWS's quota)
  // Arrival times, stream creation and retention read its wall clock, iterator expiry too;
  // the throttle's buckets its steady clock. Tests give a ManualClock.
  const Clock* clock = &Clock::System();
  // Fault injection for client retry tests (off by default): the share of put records, in
  // percent, that fail in place with ProvisionedThroughputExceededException / InternalFailure
  // (PutRecord: the whole call), never appended.
  int fault_throttle_percent = 0;
  int fault_internal_percent = 0;
  // Per-shard throughput limits (kinesis.throttle, off by default): over them, put records
  // fail in place and GetRecords fails with ProvisionedThroughputExceededException.
  bool throttle = false;
  ThrottleLimits throttle_limits;
  // Tests only: runs in Put between reading the metadata and appending (null in production).
  std::function<void()> before_put_append;
};

inline constexpr size_t kMaxRecordBytes = 1 << 20;
inline constexpr size_t kMaxPutRecords = 500;
inline constexpr size_t kMaxPutRecordsBytes = 5 << 20;
inline constexpr int64_t kMaxGetRecords = 10000;
inline constexpr size_t kMaxGetRecordsBytes = 10 << 20;

class Service {
 public:
  static Result<std::unique_ptr<Service>> Open(log::LogManager& log, ServiceOptions options);

  // True for PutRecord and PutRecords (the operations Put serves).
  static bool IsPut(std::string_view op) { return op == "PutRecord" || op == "PutRecords"; }
  // Any other operation; UnknownOperationException for names it does not know.
  Outcome Call(std::string_view op, const Value& req);
  using Done = std::move_only_function<void(Outcome)>;
  void Put(std::string_view op, const Value& req, Done done);

  // SubscribeToShard (subscriptions.h). ReadShard: a SubscribeToShardEvent's fields (Records,
  // ContinuationSequenceNumber, MillisBehindLatest, ChildShards at a closed shard's end) read
  // from `it` as GetRecords reads, without the iterator's expiry or GetRecords' throttle;
  // `next` gets the position after them, or nothing at a closed shard's end. Worker threads.
  // `consumer`: the registered consumer's name (its iterator age is noted under it).
  Outcome ReadShard(const IteratorState& it, int64_t max_records, size_t max_bytes,
                    std::optional<IteratorState>* next, std::string_view consumer = {});
  // The iterator age (MillisBehindLatest) of every reader's latest read, per shard.
  IteratorAges& iterator_ages() { return ages_; }
  // The position a GetShardIterator request names (StartingPosition), with its errors.
  std::expected<IteratorState, ApiError> StartPosition(const Value& get_shard_iterator);
  log::LogManager& log() { return log_; }
  const ServiceOptions& options() const { return options_; }

  StreamStore& store() { return *store_; }
  int64_t NowMs() const { return options_.clock->WallMs(); }
  int64_t ThrottleNowMs() const { return options_.clock->SteadyMs(); }
  std::string Arn(std::string_view stream) const;

 private:
  Service(log::LogManager& log, ServiceOptions options) : log_(log), options_(std::move(options)) {}

  Outcome CreateStream(const Value& req);
  Outcome DeleteStream(const Value& req);
  Outcome DescribeStream(const Value& req);
  Outcome DescribeStreamSummary(const Value& req);
  Outcome ListStreams(const Value& req);
  Outcome ListShards(const Value& req);
  Outcome GetShardIterator(const Value& req);
  Outcome GetRecords(const Value& req);
  // GetRecords' read (event = SubscribeToShard's form: ContinuationSequenceNumber instead of
  // NextShardIterator).
  Outcome ReadFrom(const StreamMeta& s, const IteratorState& it, int64_t max_records, size_t max_bytes,
                   int64_t now, bool event, size_t* bytes, std::optional<IteratorState>* next,
                   std::string_view reader);
  Outcome ChangeRetention(const Value& req, bool increase);
  Outcome AddTags(const Value& req);
  Outcome RemoveTags(const Value& req);
  Outcome ListTags(const Value& req);
  Outcome EnhancedMonitoring(const Value& req, bool enable);
  Outcome StartStreamEncryption(const Value& req, bool start);
  Outcome RegisterConsumer(const Value& req);
  Outcome DescribeConsumer(const Value& req);
  Outcome ListConsumers(const Value& req);
  Outcome DeregisterConsumer(const Value& req);
  Outcome UpdateShardCount(const Value& req);
  Outcome SplitShard(const Value& req);
  Outcome MergeShards(const Value& req);
  // Closes `parents` and opens `children` (new log partitions) of a stream; see service.cc.
  struct NewShard {
    HashKey start_hash, end_hash;
    int32_t parent, adjacent_parent;
  };
  using ReshardPlan = std::function<std::expected<std::pair<std::vector<int32_t>, std::vector<NewShard>>, ApiError>(
      const StreamMeta&)>;
  Outcome Reshard(const std::string& name, const ReshardPlan& plan);
  // Fixes the end offsets of shards left closing (by a crash between a reshard's two steps).
  Status FinishClosing(const std::string& name);
  Value ConsumerValue(const StreamMeta& s, const ConsumerMeta& c, bool with_stream) const;
  // Replaces an existing stream's metadata, atomically in the store, with `change`'s edit of a
  // copy; `change` refuses the request by returning its error. A missing stream is
  // ResourceNotFoundException. Returns the new metadata.
  using StreamChange = std::function<std::optional<ApiError>(StreamMeta& next)>;
  std::expected<std::shared_ptr<StreamMeta>, ApiError> ChangeStream(const std::string& name,
                                                                    const StreamChange& change);

  Value ShardValue(const StreamMeta& s, const ShardMeta& sh) const;
  std::string StartingSequence(const ShardMeta& sh) const;
  std::string EndingSequence(const StreamMeta& s, const ShardMeta& sh) const;

  log::LogManager& log_;
  ServiceOptions options_;
  IteratorAges ages_;
  std::unique_ptr<StreamStore> store_;
  std::unique_ptr<ShardThrottle> throttle_;  // null unless options_.throttle
};

}  // namespace pinpipe::kinesis
