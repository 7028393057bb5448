// RecordFormatter: one log record → one line of an object, or a reason to skip it.
//  - json: the value must be one valid JSON text; its bytes are written as stored (the REST
//    Proxy stores minified JSON), minified only if they contain a line break, then '\n'.
//  - bytes: the raw value bytes, then '\n' (ByteArrayFormat's default separator).
//  - null values per behavior.on.null.values: fail → an error, ignore → skipped,
//    write → the line "null" (json) or an empty line (bytes).
// Errors carry Kafka Connect's exception class names for the DLQ headers.
#pragma once

#include <string>
#include <string_view>

#include <simdjson.h>

#include "log/record_batch.h"
#include "sink/sink_config.h"

namespace pinpipe::sink {

struct FormatError {
  std::string exception_class;  // "org.apache.kafka.connect.errors.DataException"
  std::string message;
};

enum class FormatOutcome { kWritten, kSkipped, kError };

class RecordFormatter {
 public:
  explicit RecordFormatter(const SinkConfig& cfg) : format_(cfg.format), nulls_(cfg.null_behavior) {}

  // Appends the line for `rec` to `out` (kWritten), or leaves `out` unchanged.
  FormatOutcome Append(const log::RecordView& rec, std::string& out, FormatError* err);

 private:
  SinkFormat format_;
  NullBehavior nulls_;
  simdjson::dom::parser parser_;
  std::string padded_;  // value copy with simdjson's padding (reused)
  std::string minified_;
};

}  // namespace pinpipe::sink
