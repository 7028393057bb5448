// TimestampExtractor: the time a record is partitioned by (Confluent's `timestamp.extractor`):
// Wallclock (the sink's clock when the record is written; not deterministic, as in Confluent),
// Record (the Kafka record timestamp) or RecordField (`timestamp.field` of the JSON value, a
// dotted path for nested fields: a number of ms, or a string holding ms or an ISO-8601 date
// or date-time — "2024-01-15", "2024-01-15T13:45:00Z", "+01:00" offsets — in UTC when it has no
// offset; a space instead of the 'T' is accepted too, as the pinterest data writes it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "log/record_batch.h"

namespace pinpipe::sink {

enum class TimestampSource { kWallclock, kRecord, kRecordField };

// An ISO-8601 date or date-time → ms since the epoch; nullopt if malformed.
std::optional<int64_t> ParseIsoMillis(std::string_view s);

class TimestampExtractor {
 public:
  TimestampExtractor(TimestampSource source, std::string field)
      : source_(source), field_(std::move(field)) {}

  // The record's timestamp, or nullopt with `error` set (missing field, not a time).
  std::optional<int64_t> Extract(const log::RecordView& rec, int64_t now_ms, std::string* error);

 private:
  TimestampSource source_;
  std::string field_;
  simdjson::dom::parser parser_;
  std::string padded_;  // the value copied with simdjson's padding (reused)
};

}  // namespace pinpipe::sink
