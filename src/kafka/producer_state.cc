#include "kafka/producer_state.h"

#include <chrono>

#include "common/mutex.h"
#include "kafka/errors.h"

namespace pinpipe::kafka {
namespace {
// Sequences wrap from INT32_MAX to 0 (Kafka's DefaultRecordBatch.incrementSequence).
int32_t AddSeq(int32_t seq, int32_t n) {
  int64_t v = static_cast<int64_t>(seq) + n;
  return static_cast<int32_t>(v > INT32_MAX ? v - INT32_MAX - 1 : v);
}
}  // namespace

ProducerStates::ProducerStates() {
  // Milliseconds since the epoch times 1000: ids from an earlier run are never handed out
  // again unless the clock goes back.
  next_pid_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch()).count() * 1000;
}

int64_t ProducerStates::AllocateProducerId() {
  MutexLock lock(mu_);
  return next_pid_++;
}

SequenceCheck ProducerStates::Check(int64_t pid, int16_t epoch, std::string_view topic,
                                    int32_t partition, int32_t base_sequence, int32_t count) {
  auto it = entries_.find(std::make_tuple(pid, std::string(topic), partition));
  if (it == entries_.end()) return {};
  Entry& e = it->second;
  if (epoch < e.epoch) return {err::kInvalidProducerEpoch, -1};
  if (epoch > e.epoch) {
    // A bumped epoch starts again at sequence 0.
    if (base_sequence != 0) return {err::kOutOfOrderSequenceNumber, -1};
    return {};
  }
  int32_t last = AddSeq(base_sequence, count - 1);
  for (const Batch& b : e.batches) {
    if (b.first_seq == base_sequence && b.last_seq == last) return {err::kNone, b.base_offset};
  }
  if (!e.batches.empty() && base_sequence != AddSeq(e.batches.back().last_seq, 1)) {
    return {err::kOutOfOrderSequenceNumber, -1};
  }
  return {};
}

void ProducerStates::Record(int64_t pid, int16_t epoch, std::string_view topic, int32_t partition,
                            int32_t base_sequence, int32_t count, int64_t base_offset) {
  Entry& e = entries_[std::make_tuple(pid, std::string(topic), partition)];
  if (epoch != e.epoch) {
    e.epoch = epoch;
    e.batches.clear();
  }
  e.batches.push_back({base_sequence, AddSeq(base_sequence, count - 1), base_offset});
  if (e.batches.size() > 5) e.batches.pop_front();
}

}  // namespace pinpipe::kafka
