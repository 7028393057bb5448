// ProducerStates: the idempotent producers' sequence bookkeeping per (producer id, topic,
// partition), as Kafka's ProducerStateManager keeps it: the epoch and the last five batches
// (first and last sequence, base offset). A batch equal to a remembered one is a retry: it is
// not stored again and is answered with the offset it got. A batch whose first sequence is not
// the last one + 1 is OUT_OF_ORDER_SEQUENCE_NUMBER; an older epoch INVALID_PRODUCER_EPOCH.
//
// Durable (Open): the state is rebuilt from the log itself — every stored batch carries its
// producer id, epoch, base sequence and record count, as the client sent them — by replaying
// the tail of each partition (about kTailScanBytes of it) at start-up, and producer ids come
// from a reserved range whose end is persisted before any id of it is handed out, so no id is
// given twice across restarts (src/kafka/README.md, "Idempotent producers across restarts").
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <tuple>

#include "common/mutex.h"
#include "common/status.h"

namespace pinpipe {
class FileSystem;
}
namespace pinpipe::log {
class LogManager;
struct BatchHeader;
}  // namespace pinpipe::log

namespace pinpipe::kafka {

struct SequenceCheck {
  int16_t error = 0;          // Kafka error code
  int64_t duplicate_of = -1;  // >= 0: a retry of the batch stored at this base offset
};

// What Open found (for the start-up log line and tests).
struct ProducerRebuild {
  int64_t partitions = 0;       // partitions scanned
  int64_t bytes = 0;            // bytes of batches read
  int64_t batches = 0;          // idempotent batches replayed
  int64_t next_producer_id = 0;
};

class ProducerStates {
 public:
  // How much of each partition's tail Open replays (approximately: the start offset is
  // estimated from the partition's size). A producer's in-flight retries are at the very end.
  static constexpr int64_t kTailScanBytes = 8 << 20;
  // Producer ids are reserved this many at a time (one fsync per block).
  static constexpr int64_t kIdBlock = 1000;

  // In memory only, ids from the clock (tests of the sequence rules).
  ProducerStates();
  // Rebuilds the batches of every partition's tail and loads the producer-id range from
  // <dir>/state/kafka-producer-ids. Call once, before any request, off the reactor.
  Result<ProducerRebuild> Open(log::LogManager& log);

  // A new producer id, never handed out before (after Open: not in any earlier run either).
  // May write and fsync the reserved range's end: call on a worker thread.
  Result<int64_t> AllocateProducerId() EXCLUDES(id_mu_);

  // The lock that makes Check + append + Record atomic for one partition's batches.
  Mutex& mutex() RETURN_CAPABILITY(mu_) { return mu_; }
  // `topic_id` is log::TopicInfo::id: a topic deleted and created again is another topic.
  // count = records in the batch.
  SequenceCheck Check(int64_t pid, int16_t epoch, uint64_t topic_id, int32_t partition,
                      int32_t base_sequence, int32_t count) REQUIRES(mu_);
  void Record(int64_t pid, int16_t epoch, uint64_t topic_id, int32_t partition,
              int32_t base_sequence, int32_t count, int64_t base_offset) REQUIRES(mu_);
  // Replays one stored batch (its header) as Record would have; batches of an older epoch
  // than the one remembered are skipped.
  void Replay(const log::BatchHeader& batch, uint64_t topic_id, int32_t partition) REQUIRES(mu_);

 private:
  struct Batch {
    int32_t first_seq, last_seq;
    int64_t base_offset;
  };
  struct Entry {
    int16_t epoch = 0;
    std::deque<Batch> batches;  // last five, oldest first
  };
  using Key = std::tuple<int64_t, uint64_t, int32_t>;
  Status ReserveIds(int64_t end) REQUIRES(id_mu_);

  Mutex mu_;
  std::map<Key, Entry> entries_ GUARDED_BY(mu_);

  Mutex id_mu_;
  int64_t next_pid_ GUARDED_BY(id_mu_);
  // Ids below this may have been handed out (persisted when id_file_ is set).
  int64_t reserved_end_ GUARDED_BY(id_mu_) = 0;
  std::string id_file_ GUARDED_BY(id_mu_);  // empty: in memory only
  FileSystem* fs_ GUARDED_BY(id_mu_) = nullptr;
};

}  // namespace pinpipe::kafka
