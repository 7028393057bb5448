// ProducerStates: the idempotent producers' sequence bookkeeping per (producer id, topic,
// partition), as Kafka's ProducerStateManager keeps it: the epoch and the last five batches
// (first and last sequence, base offset). A batch equal to a remembered one is a retry: it is
// not stored again and is answered with the offset it got. A batch whose first sequence is not
// the last one + 1 is OUT_OF_ORDER_SEQUENCE_NUMBER; an older epoch INVALID_PRODUCER_EPOCH.
// In memory: after a restart a producer's next batch starts a fresh entry.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <tuple>

#include "common/mutex.h"

namespace pinpipe::kafka {

struct SequenceCheck {
  int16_t error = 0;          // Kafka error code
  int64_t duplicate_of = -1;  // >= 0: a retry of the batch stored at this base offset
};

class ProducerStates {
 public:
  ProducerStates();
  // A new producer id (unique across restarts: derived from the start time).
  int64_t AllocateProducerId();

  // The lock that makes Check + append + Record atomic for one partition's batches.
  Mutex& mutex() RETURN_CAPABILITY(mu_) { return mu_; }
  // count = records in the batch.
  SequenceCheck Check(int64_t pid, int16_t epoch, std::string_view topic, int32_t partition,
                      int32_t base_sequence, int32_t count) REQUIRES(mu_);
  void Record(int64_t pid, int16_t epoch, std::string_view topic, int32_t partition,
              int32_t base_sequence, int32_t count, int64_t base_offset) REQUIRES(mu_);

 private:
  struct Batch {
    int32_t first_seq, last_seq;
    int64_t base_offset;
  };
  struct Entry {
    int16_t epoch = 0;
    std::deque<Batch> batches;  // last five, oldest first
  };
  using Key = std::tuple<int64_t, std::string, int32_t>;
  Mutex mu_;
  std::map<Key, Entry, std::less<>> entries_ GUARDED_BY(mu_);
  int64_t next_pid_ GUARDED_BY(mu_);
};

}  // namespace pinpipe::kafka
