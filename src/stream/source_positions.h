// SourcePositions: the second half of the log seam for a source whose offsets are not durable
// names of its records. A remote Kinesis shard (remote_kinesis_log.h) is read through
// log::LogReader like any partition, with offsets that are ordinals the reader counts from where
// it was seated; what names a position durably is the shard's sequence number. The job keeps
// that name beside every offset it makes durable (a plan's range ends, the committed position),
// and seats the reader on it after a restart, so a replay reads exactly the planned records.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "log/log_reader.h"

namespace pinpipe::stream {

class SourcePositions {
 public:
  virtual ~SourcePositions() = default;
  // The durable name of offset `offset` of `tp`: the sequence number of the record before it
  // ("" = the shard's start). `offset` must lie between where the reader was seated (or last
  // asked to fetch) and its high watermark: the job asks only for ends it has just fetched.
  virtual Result<std::string> PositionAt(const log::TopicPartition& tp, int64_t offset) = 0;
  // From now on, offset `offset` of `tp` is the record after `position`; nothing buffered
  // before is served any more.
  virtual Status Seat(const log::TopicPartition& tp, int64_t offset, std::string_view position) = 0;
  // Extra JSON members of the partition's status (`,"name":value...`), e.g. the time behind the
  // shard's tip.
  virtual void AppendStatus(const log::TopicPartition& tp, std::string& json) const = 0;
  // What /healthz reports about the source itself (an endpoint that does not answer).
  virtual std::vector<std::string> Problems() const { return {}; }
};

}  // namespace pinpipe::stream
