#include "kafka/producer_state.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <string_view>

#include "common/file_system.h"
#include "common/mutex.h"
#include "kafka/errors.h"
#include "log/log_manager.h"
#include "log/record_batch.h"

namespace pinpipe::kafka {
namespace {
// Sequences wrap from INT32_MAX to 0 (Kafka's DefaultRecordBatch.incrementSequence).
int32_t AddSeq(int32_t seq, int32_t n) {
  int64_t v = static_cast<int64_t>(seq) + n;
  return static_cast<int32_t>(v > INT32_MAX ? v - INT32_MAX - 1 : v);
}

constexpr std::string_view kIdFileMagic = "pinpipe-producer-ids v1 ";

// Milliseconds since the epoch times 1000: where ids start when no range was ever persisted
// (a new data dir, or one from before the file existed, whose ids came from the clock).
int64_t ClockStart() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count() * 1000;
}

// "pinpipe-producer-ids v1 <end>\n" → end; -1 if it does not parse.
int64_t ParseIdFile(std::string_view text) {
  if (!text.starts_with(kIdFileMagic)) return -1;
  text.remove_prefix(kIdFileMagic.size());
  int64_t end = -1;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), end);
  if (ec != std::errc() || end < 0 || ptr == text.data() + text.size() || *ptr != '\n') return -1;
  return end;
}
}  // namespace

ProducerStates::ProducerStates() {
  MutexLock lock(id_mu_);
  next_pid_ = ClockStart();
}

Result<ProducerRebuild> ProducerStates::Open(log::LogManager& log) {
  ProducerRebuild rebuilt;
  int64_t max_pid = -1;
  std::string buf;
  for (const log::TopicInfo& t : log.ListTopics()) {
    for (int32_t p = 0; p < t.partitions; ++p) {
      auto info = log.GetPartitionInfo(t.name, p);
      if (!info) continue;  // deleted meanwhile
      ++rebuilt.partitions;
      // Start about kTailScanBytes before the end, estimated from the partition's size.
      int64_t offset = info->log_start_offset;
      const int64_t span = info->high_watermark - info->log_start_offset;
      if (span > 0 && info->size_bytes > static_cast<uint64_t>(kTailScanBytes)) {
        offset = info->high_watermark -
                 static_cast<int64_t>(static_cast<__int128>(span) * kTailScanBytes /
                                      static_cast<__int128>(info->size_bytes));
      }
      while (offset < info->high_watermark) {
        buf.clear();
        auto read = log.Read(t.name, p, offset, 1 << 20, buf);
        if (!read || read->out_of_range) break;
        if (read->next_offset <= offset) break;  // nothing more below the high watermark
        rebuilt.bytes += static_cast<int64_t>(read->bytes);
        std::string_view rest(buf);
        MutexLock lock(mu_);
        while (!rest.empty()) {
          auto h = log::ParseBatchHeader(rest);
          if (!h || h->size() > rest.size()) break;
          if (h->producer_id >= 0) {
            Replay(*h, t.id, p);
            ++rebuilt.batches;
            if (h->producer_id > max_pid) max_pid = h->producer_id;
          }
          rest.remove_prefix(h->size());
        }
        offset = read->next_offset;
      }
    }
  }

  MutexLock lock(id_mu_);
  fs_ = log.options().fs ? log.options().fs : FileSystem::Default();
  id_file_ = log.options().dir + "/state/kafka-producer-ids";
  int64_t start = -1;
  if (fs_->Exists(id_file_)) {
    PINPIPE_ASSIGN_OR_RETURN(std::string text, fs_->ReadFileToString(id_file_));
    start = ParseIdFile(text);
    if (start < 0) {
      return MakeError(ErrorCode::kCorruption, id_file_ + ": not a producer-id range file");
    }
  } else {
    start = ClockStart();
  }
  // Every id of the persisted range may have been handed out; ids seen in the log certainly were.
  next_pid_ = std::max(start, max_pid + 1);
  reserved_end_ = next_pid_;
  rebuilt.next_producer_id = next_pid_;
  return rebuilt;
}

Status ProducerStates::ReserveIds(int64_t end) {
  if (!id_file_.empty()) {
    std::string text(kIdFileMagic);
    text += std::to_string(end);
    text += '\n';
    PINPIPE_RETURN_IF_ERROR(fs_->WriteFileAtomically(id_file_, text));
  }
  reserved_end_ = end;
  return OkStatus();
}

Result<int64_t> ProducerStates::AllocateProducerId() {
  MutexLock lock(id_mu_);
  // The range's end is durable before an id of it leaves this process.
  if (next_pid_ >= reserved_end_) PINPIPE_RETURN_IF_ERROR(ReserveIds(next_pid_ + kIdBlock));
  return next_pid_++;
}

SequenceCheck ProducerStates::Check(int64_t pid, int16_t epoch, uint64_t topic_id,
                                    int32_t partition, int32_t base_sequence, int32_t count) {
  auto it = entries_.find(Key{pid, topic_id, partition});
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

void ProducerStates::Record(int64_t pid, int16_t epoch, uint64_t topic_id, int32_t partition,
                            int32_t base_sequence, int32_t count, int64_t base_offset) {
  Entry& e = entries_[Key{pid, topic_id, partition}];
  if (epoch != e.epoch) {
    e.epoch = epoch;
    e.batches.clear();
  }
  e.batches.push_back({base_sequence, AddSeq(base_sequence, count - 1), base_offset});
  if (e.batches.size() > 5) e.batches.pop_front();
}

void ProducerStates::Replay(const log::BatchHeader& batch, uint64_t topic_id, int32_t partition) {
  auto it = entries_.find(Key{batch.producer_id, topic_id, partition});
  if (it != entries_.end() && batch.producer_epoch < it->second.epoch) return;
  Record(batch.producer_id, batch.producer_epoch, topic_id, partition, batch.base_sequence,
         batch.record_count, batch.base_offset);
}

}  // namespace pinpipe::kafka
