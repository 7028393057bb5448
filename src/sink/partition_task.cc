#include "sink/partition_task.h"

namespace pinpipe::sink {

PartitionTask::PartitionTask(TopicPartition tp, const SinkConfig& cfg, RecordFormatter* formatter)
    : tp_(std::move(tp)), cfg_(cfg), formatter_(formatter) {
  if (cfg_.time_based()) extractor_.emplace(cfg_.timestamp_source, cfg_.timestamp_field);
}

void PartitionTask::Restore(const PartitionState& st) {
  buf_.clear();
  cuts_.clear();
  forced_ends_.clear();
  for (const auto& p : st.plan) forced_ends_.push_back(p.end);
  read_pos_ = st.committed;
  open_start_ = st.committed;
  open_first_ = -1;
  open_count_ = 0;
  open_byte_begin_ = 0;
  failed_ = false;  // a failed task retries from its committed offset after a restart
  error_offset_ = -1;
}

void PartitionTask::Cut(int64_t end) {
  CutObject c;
  c.start = open_start_;
  c.end = end;
  c.first = open_first_;
  c.records = open_count_;
  c.byte_begin = open_byte_begin_;
  c.byte_end = buf_.size();
  c.bucket_ms = open_bucket_;
  cuts_.push_back(c);
  open_start_ = end;
  open_first_ = -1;
  open_count_ = 0;
  open_byte_begin_ = buf_.size();
}

PartitionTask::AddResult PartitionTask::Add(const log::RecordView& rec, int64_t now_ms) {
  if (failed_) return AddResult::kFailed;
  // A recovered plan decides the cuts in its range; the policies apply after it.
  while (!forced_ends_.empty() && rec.offset >= forced_ends_.front()) {
    Cut(forced_ends_.front());
    forced_ends_.pop_front();
  }
  if (forced_ends_.empty() && cfg_.rotate_interval_ms > 0 && open_count_ > 0 &&
      rec.timestamp_ms - open_base_ts_ >= cfg_.rotate_interval_ms) {
    Cut(rec.offset);  // record time: this record opens the next object
  }
  int64_t bucket = 0;
  if (extractor_ && !(rec.value == std::nullopt && cfg_.null_behavior != NullBehavior::kWrite)) {
    std::string why;
    auto ts = extractor_->Extract(rec, now_ms, &why);
    if (!ts) {
      error_.exception_class = "io.confluent.connect.storage.errors.PartitionException";
      error_.message = std::move(why);
      return Refuse(rec);
    }
    bucket = cfg_.time_based()->BucketStart(*ts);
    if (forced_ends_.empty() && open_count_ > 0 && bucket != open_bucket_) Cut(rec.offset);
  }
  size_t before = buf_.size();
  FormatOutcome outcome = formatter_->Append(rec, buf_, &error_);
  if (outcome == FormatOutcome::kError) {
    buf_.resize(before);
    return Refuse(rec);
  }
  read_pos_ = rec.offset + 1;
  if (outcome == FormatOutcome::kSkipped) return AddResult::kOk;
  if (open_count_ == 0) {
    open_first_ = rec.offset;
    open_base_ts_ = rec.timestamp_ms;
    open_since_ms_ = now_ms;
    open_bucket_ = bucket;
    if (cfg_.rotate_schedule_interval_ms > 0) {
      int64_t iv = cfg_.rotate_schedule_interval_ms;
      open_deadline_ms_ = (now_ms / iv + 1) * iv;  // the next boundary (aligned to the epoch)
    }
  }
  ++open_count_;
  if (forced_ends_.empty() && open_count_ >= cfg_.flush_size) Cut(read_pos_);
  return AddResult::kOk;
}

PartitionTask::AddResult PartitionTask::Refuse(const log::RecordView& rec) {
  if (cfg_.tolerance == ErrorTolerance::kNone) {
    failed_ = true;
    error_offset_ = rec.offset;
    return AddResult::kFailed;
  }
  read_pos_ = rec.offset + 1;
  return AddResult::kErrant;
}

void PartitionTask::SkipTo(int64_t offset) {
  if (offset > read_pos_ && !failed_) read_pos_ = offset;
}

void PartitionTask::AfterPoll(bool caught_up, int64_t now_ms) {
  if (failed_) return;
  while (!forced_ends_.empty() && read_pos_ >= forced_ends_.front()) {
    Cut(forced_ends_.front());
    forced_ends_.pop_front();
  }
  if (forced_ends_.empty() && caught_up && open_count_ > 0 &&
      cfg_.rotate_schedule_interval_ms > 0 && now_ms >= open_deadline_ms_) {
    Cut(read_pos_);
  }
}

void PartitionTask::CutOpenAtReadPosition() {
  if (!failed_ && forced_ends_.empty() && open_count_ > 0) Cut(read_pos_);
}

void PartitionTask::DropCuts() {
  if (cuts_.empty()) return;
  buf_.erase(0, open_byte_begin_);
  open_byte_begin_ = 0;
  cuts_.clear();
}

}  // namespace pinpipe::sink
