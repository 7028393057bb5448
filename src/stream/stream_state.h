// The streaming job's durable progress: the heart of its exactly-once protocol.
//
// Two files under <data.dir>/state/stream/<name>/, each replaced atomically (temp, fsync,
// rename, directory fsync) and guarded by a CRC-32C:
//
//   stream.plan   the batch in flight: its id and, per topic-partition, the offsets [start, end)
//                 it reads. Written BEFORE the batch's records are decoded, so a replay after a
//                 crash reads exactly the same records (streaming.md §1.4: the open-source
//                 Kinesis connectors fix a batch's end only after reading, and a replay may
//                 differ).
//   stream.state  what is committed: the application id (the Delta txn appId, fixed at the
//                 first start), the last committed batch id, the committed offset per
//                 topic-partition, and the dedup windows as they were after that batch.
//
// Protocol per batch N: plan(N) durable → read + clean → one Delta commit per table carrying
// txn{appId, N} (a table that already holds txn ≥ N skips it) → state(N) durable. After a crash
// a plan with id = committed + 1 is replayed; a plan with id ≤ committed is finished.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "common/status.h"
#include "sink/source_log.h"

namespace pinpipe::stream {

using sink::TopicPartition;

struct PlannedRange {
  TopicPartition tp;
  int64_t start = 0;
  int64_t end = 0;  // offset after the last record read
  // A remote Kinesis shard (source_positions.h): the sequence numbers of the record before
  // `start` ("" = the shard's start) and of the last record of the range. A replay seats the
  // reader AFTER_SEQUENCE_NUMBER start_position and checks that it ends at end_position.
  // Both empty for the embedded log, whose offsets name records durably.
  std::string start_position = {};
  std::string end_position = {};
  bool operator==(const PlannedRange&) const = default;
};

struct BatchPlan {
  int64_t batch_id = 0;
  std::vector<PlannedRange> ranges;

  std::string Encode() const;
  static Result<BatchPlan> Decode(std::string_view bytes);
  bool operator==(const BatchPlan&) const = default;
};

struct PartitionProgress {
  int64_t committed = 0;       // next offset to read
  int64_t last_record_ms = -1; // timestamp of the last committed record
  std::string position = {};   // a remote shard: sequence number of the last committed record
  bool operator==(const PartitionProgress&) const = default;
};

struct CommittedState {
  std::string app_id;      // empty until the first Save
  int64_t batch_id = -1;   // last committed batch; -1 = none
  std::map<TopicPartition, PartitionProgress> partitions;
  // DedupWindow::Serialize of pin, geo, user after batch_id (empty = a fresh window).
  std::array<std::string, 3> windows;

  std::string Encode() const;
  static Result<CommittedState> Decode(std::string_view bytes);
  bool operator==(const CommittedState&) const = default;
};

class StateFiles {
 public:
  StateFiles(FileSystem* fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}
  // Absent files: an empty state / no plan.
  Result<CommittedState> LoadState();
  Result<std::optional<BatchPlan>> LoadPlan();
  Status SaveState(const CommittedState& s);
  Status SavePlan(const BatchPlan& p);
  // The live status (JSON, not durable) for `pinpipe stream status`.
  Status SaveStatus(std::string_view json);
  Result<std::string> LoadStatus();
  const std::string& dir() const { return dir_; }

 private:
  Status EnsureDir();
  FileSystem* fs_;
  std::string dir_;
  bool dir_made_ = false;
};

}  // namespace pinpipe::stream
