// RemoteKinesisLog: the streams of a remote Kinesis endpoint (stream.source = kinesis://…) as a
// log::LogReader, so the streaming job reads them through the same seam as the embedded log.
//
// Topic = stream name; partition = the number in the shard id (shardId-000000000007 → 7, the
// form AWS, moto and pinpipe give). Offsets are ordinals counted from where the job seated the
// partition (SourcePositions::Seat: the committed offset and the sequence number of the last
// committed record; a partition never seated starts at the shard's TRIM_HORIZON = ordinal 0).
// One poller thread owns every API call: ListShards (paged with NextToken) every few seconds,
// GetShardIterator (AFTER_SEQUENCE_NUMBER of the last buffered record, or TRIM_HORIZON) and
// GetRecords per shard into a bounded buffer; Fetch serves whole RecordBatch v2 batches
// re-encoded from that buffer (key = PartitionKey, value = Data, timestamp =
// ApproximateArrivalTimestamp) and never waits for the network.
//   - Throttling (ProvisionedThroughputExceeded, LimitExceeded): that shard backs off
//     exponentially (100 ms .. 5 s); ExpiredIterator: the iterator is got again from the last
//     buffered record; other errors back off too and show in the status.
//   - Resharding: a child shard (ParentShardId / AdjacentParentShardId) is listed as a partition
//     only once each parent still listed has been read to its end (GetRecords without
//     NextShardIterator; or, for endpoints that always answer one — moto —, a closed shard
//     whose GetRecords answered nothing at MillisBehindLatest 0), so a key's records are read
//     in order across a split or merge.
//   - MillisBehindLatest of each shard's last GetRecords is kept for `stream status`.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "log/log_reader.h"
#include "stream/kinesis_client.h"
#include "stream/source_positions.h"

namespace pinpipe::stream {

struct RemoteKinesisOptions {
  KinesisEndpoint endpoint;
  std::vector<std::string> streams;  // stream names to read
  int64_t list_interval_ms = 5000;   // ListShards this often (and when a shard ends)
  int64_t idle_poll_ms = 200;        // a shard with nothing new is asked again after this
  size_t max_buffer_bytes = 64u << 20;  // per shard: GetRecords pauses above it
  int32_t get_records_limit = 10000;
  size_t records_per_batch = 500;  // records per RecordBatch that Fetch builds
};

class RemoteKinesisLog final : public log::LogReader, public SourcePositions {
 public:
  explicit RemoteKinesisLog(RemoteKinesisOptions options);
  ~RemoteKinesisLog() override;  // Stop()
  // Lists the shards once (so ListPartitions answers at once), then starts the poller.
  Status Start();
  void Stop();
  // Blocks until every listed shard has been polled up to its tip (MillisBehindLatest 0 after
  // a GetRecords, or read to its end) — `pinpipe stream --once` then reads what is buffered.
  Status WaitCaughtUp(int64_t timeout_ms);

  // ---- log::LogReader
  std::vector<log::TopicPartition> ListPartitions() override;
  Result<log::FetchResult> Fetch(const log::TopicPartition& tp, int64_t offset, size_t max_bytes,
                                 std::string& out) override;
  Result<log::PartitionOffsets> Offsets(const log::TopicPartition& tp) override;
  Result<uint64_t> WaitForData(const log::TopicPartition& tp, int64_t offset,
                               std::function<void()> fn) override;
  void CancelWait(uint64_t id) override;
  Status Produce(std::string_view topic, const log::Record& record) override;

  // ---- SourcePositions
  Result<std::string> PositionAt(const log::TopicPartition& tp, int64_t offset) override;
  Status Seat(const log::TopicPartition& tp, int64_t offset, std::string_view position) override;
  void AppendStatus(const log::TopicPartition& tp, std::string& json) const override;
  std::vector<std::string> Problems() const override;  // ListShards failing

  // For tests: GetRecords calls made, throttles and expired iterators seen.
  uint64_t get_records_calls() const { return get_records_.load(); }
  uint64_t throttles() const { return throttles_.load(); }
  uint64_t expired_iterators() const { return expired_.load(); }

  // "shardId-000000000007" → 7; -1 when the id has no such number.
  static int32_t PartitionOfShardId(std::string_view shard_id);

 private:
  struct Rec {
    std::string key, data, seq;
    int64_t ts_ms = 0;
  };
  struct Shard {
    std::string stream, id;
    std::vector<std::string> parents;
    std::string ending_seq;  // ListShards' EndingSequenceNumber: the shard is closed
    bool listed = true;     // in the last ListShards answer
    bool enabled = false;   // its parents are read to their end: the job may read it
    bool ended = false;     // closed and read to its end
    bool caught_up = false; // a GetRecords answered MillisBehindLatest 0 (or the shard ended)
    std::string iterator;   // "" = get one
    int64_t base = 0;       // ordinal of recs.front()
    std::string base_seq;   // sequence number of the record before base ("" = shard start)
    std::deque<Rec> recs;
    size_t bytes = 0;
    int64_t millis_behind = -1;
    int64_t next_poll_ms = 0;
    int64_t backoff_ms = 0;
    uint64_t generation = 0;  // bumped by Seat: an answer to an older iterator is dropped
    uint64_t throttled = 0, expired = 0;  // for the status
    std::string error;
  };
  using Key = log::TopicPartition;

  Status ListShardsNow();
  void PollLoop();
  // One GetShardIterator/GetRecords round for `key`; true when it got records.
  bool PollShard(const Key& key);
  void NotifyLocked(const Key& key, Shard& s) REQUIRES(mu_);
  void UpdateEnabledLocked() REQUIRES(mu_);
  Shard* FindLocked(const Key& key) REQUIRES(mu_);

  RemoteKinesisOptions options_;
  KinesisClient client_;
  std::thread poller_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> get_records_{0}, throttles_{0}, expired_{0};

  mutable Mutex mu_;
  CondVar cv_;  // the poller sleeps here; WaitCaughtUp too
  std::map<Key, Shard> shards_ GUARDED_BY(mu_);
  std::map<Key, std::pair<int64_t, std::string>> seats_ GUARDED_BY(mu_);  // seated before listed
  struct Wait {
    Key key;
    int64_t offset;
    std::function<void()> fn;
  };
  std::map<uint64_t, Wait> waits_ GUARDED_BY(mu_);
  uint64_t next_wait_ GUARDED_BY(mu_) = 1;
  bool list_now_ GUARDED_BY(mu_) = false;
  std::string list_error_ GUARDED_BY(mu_);
};

}  // namespace pinpipe::stream
