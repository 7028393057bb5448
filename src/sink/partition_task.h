// PartitionTask: one topic-partition's writer. Turns records into lines, decides where objects
// are cut (flush.size, rotate.interval.ms on record time, rotate.schedule.interval.ms on the
// wall clock, or a recovered plan), and holds the cut objects' bytes until the flush round
// uploads them.
//
// Memory: one buffer per partition holds the cut objects back to back followed by the open
// (not yet cut) object; lines are appended in place, so there is no allocation per record
// once the buffer is warm.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "log/record_batch.h"
#include "sink/record_formatter.h"
#include "sink/sink_config.h"
#include "sink/sink_state.h"
#include "sink/timestamp_extractor.h"
#include "sink/source_log.h"

namespace pinpipe::sink {

struct CutObject {
  int64_t start = 0;   // range [start, end)
  int64_t end = 0;
  int64_t first = -1;  // offset of the first written record (the name); -1 = nothing written
  int64_t records = 0;
  size_t byte_begin = 0, byte_end = 0;  // in the task's buffer
  int64_t bucket_ms = 0;  // time-based layout: start of the first record's time bucket
};

class PartitionTask {
 public:
  PartitionTask(TopicPartition tp, const SinkConfig& cfg, RecordFormatter* formatter);

  // Resets to the durable state: reading restarts at `committed`; a non-empty plan is replayed
  // with exactly its cuts (exactly-once after a crash).
  void Restore(const PartitionState& st);

  enum class AddResult { kOk, kFailed, kErrant };
  // Adds one record (offset >= read_pos()). kErrant: the record was skipped and must go to the
  // DLQ (the caller reads error()); kFailed: tolerance=none met a bad record — the task stops
  // (nothing at or after it is added).
  AddResult Add(const log::RecordView& rec, int64_t now_ms);
  // Advances the read position past offsets with no records (compacted gaps, control batches).
  void SkipTo(int64_t offset);
  // Called after each poll: applies recovered cuts that end at the read position and the
  // wall-clock rotation (only when caught up: `caught_up` = read_pos() reached the high
  // watermark; the cut is at the read position).
  void AfterPoll(bool caught_up, int64_t now_ms);
  // Cuts the open object at the read position, if it has records (end of `sink --once`).
  void CutOpenAtReadPosition();

  const std::vector<CutObject>& cuts() const { return cuts_; }
  std::string_view Bytes(const CutObject& c) const {
    return std::string_view(buf_).substr(c.byte_begin, c.byte_end - c.byte_begin);
  }
  size_t cut_bytes() const { return open_byte_begin_; }
  // The cuts were uploaded and committed: drop their bytes.
  void DropCuts();

  const TopicPartition& tp() const { return tp_; }
  int64_t read_pos() const { return read_pos_; }
  bool failed() const { return failed_; }
  bool replaying() const { return !forced_ends_.empty(); }
  const FormatError& error() const { return error_; }
  int64_t error_offset() const { return error_offset_; }
  int64_t open_records() const { return open_count_; }
  // The open (not yet cut) object, for the dashboard: its first offset, bytes buffered, the
  // wall-clock time its first record was added, the record time of that record, and the
  // wall-clock rotation deadline (-1: none).
  int64_t open_start() const { return open_start_; }
  size_t open_bytes() const { return buf_.size() - open_byte_begin_; }
  int64_t open_since_ms() const { return open_count_ > 0 ? open_since_ms_ : -1; }
  int64_t open_first_record_ms() const { return open_count_ > 0 ? open_base_ts_ : -1; }
  int64_t open_deadline_ms() const {
    return open_count_ > 0 && cfg_.rotate_schedule_interval_ms > 0 ? open_deadline_ms_ : -1;
  }

 private:
  void Cut(int64_t end);
  AddResult Refuse(const log::RecordView& rec);

  TopicPartition tp_;
  const SinkConfig& cfg_;
  RecordFormatter* formatter_;
  std::string buf_;
  std::vector<CutObject> cuts_;
  std::deque<int64_t> forced_ends_;  // recovered plan
  int64_t read_pos_ = 0;
  // The open object.
  int64_t open_start_ = 0;
  int64_t open_first_ = -1;
  int64_t open_count_ = 0;
  int64_t open_base_ts_ = 0;
  int64_t open_deadline_ms_ = 0;  // wall-clock rotation time of the open object
  int64_t open_since_ms_ = 0;     // wall-clock time of the open object's first record
  // Time-based layout: the open object's bucket; a record of another bucket cuts it first
  // (Confluent's rotate.file.on.partition.change), so every object is one contiguous offset
  // range of one encoded partition and the exactly-once plan stays a list of ranges.
  int64_t open_bucket_ = 0;
  std::optional<TimestampExtractor> extractor_;
  size_t open_byte_begin_ = 0;
  bool failed_ = false;
  FormatError error_;
  int64_t error_offset_ = -1;
};

}  // namespace pinpipe::sink
