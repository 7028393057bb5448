// SinkState: the connector's progress, the heart of its exactly-once protocol.
//
// Per topic-partition: the committed offset (everything below it is in objects, durably), the
// plan (the objects of the flush round in progress, as offset ranges [start, end)), counters
// and the last error. One text file for the whole connector, replaced atomically through the
// FileSystem seam (temp file, fsync, rename, directory fsync), guarded by a CRC-32C line:
//
//   pinpipe-sink-state 1
//   p <topic> <partition> <committed> <log_end> <objects> <bytes> <records> <skipped> <dlq>
//     <failed 0|1> <error offset> <error, percent-encoded, "-" if none>     (one line)
//   plan <topic> <partition> <start> <end>
//   crc <8 hex digits>
//
// The protocol (sink_connector.h): plan → durable; upload every planned object; make the
// objects durable; commit (committed = last end, plan cleared) → durable. After a crash a
// non-empty plan is replayed with exactly its cuts, so the same objects get the same bytes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "common/status.h"
#include "sink/source_log.h"

namespace pinpipe::sink {

struct PlannedObject {
  int64_t start = 0;  // first offset of the range (the previous object's end)
  int64_t end = 0;    // offset after the range
  bool operator==(const PlannedObject&) const = default;
};

struct PartitionState {
  int64_t committed = 0;
  int64_t log_end = 0;  // the high watermark last seen (for lag in `sink status`)
  uint64_t objects = 0, bytes = 0, records = 0, skipped = 0, dlq = 0;
  bool failed = false;
  int64_t error_offset = -1;
  std::string last_error;
  std::vector<PlannedObject> plan;
  bool operator==(const PartitionState&) const = default;
};

struct SinkState {
  std::map<TopicPartition, PartitionState> partitions;

  std::string Encode() const;
  static Result<SinkState> Decode(std::string_view text);
};

// Where the state lives: <dir>/sink.state (durable, written at plan and at commit) and
// <dir>/sink.status (the same format with live counters, replaced about once a second
// without fsync, for `pinpipe sink status` while the connector runs).
class StateStore {
 public:
  StateStore(FileSystem* fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}
  // An absent file is an empty state.
  Result<SinkState> Load();
  Status Save(const SinkState& state);  // durable
  Status SaveStatus(const SinkState& state);  // not durable
  // The freshest of sink.status and sink.state.
  Result<SinkState> LoadForStatus();
  const std::string& dir() const { return dir_; }

 private:
  Result<SinkState> LoadFile(const std::string& path);
  FileSystem* fs_;
  std::string dir_;
  bool dir_made_ = false;
};

}  // namespace pinpipe::sink
