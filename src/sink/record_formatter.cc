#include "sink/record_formatter.h"

#include <cstring>

namespace pinpipe::sink {

FormatOutcome RecordFormatter::Append(const log::RecordView& rec, std::string& out,
                                      FormatError* err) {
  if (!rec.value) {
    switch (nulls_) {
      case NullBehavior::kIgnore:
        return FormatOutcome::kSkipped;
      case NullBehavior::kWrite:
        out += format_ == SinkFormat::kJson ? "null\n" : "\n";
        return FormatOutcome::kWritten;
      case NullBehavior::kFail:
        if (err) {
          err->exception_class = "org.apache.kafka.connect.errors.ConnectException";
          err->message = "Null valued records are not writeable with current "
                         "behavior.on.null.values 'fail' (offset " +
                         std::to_string(rec.offset) + ")";
        }
        return FormatOutcome::kError;
    }
  }
  std::string_view v = *rec.value;
  if (format_ == SinkFormat::kBytes) {
    out += v;
    out += '\n';
    return FormatOutcome::kWritten;
  }
  // Validate: simdjson needs SIMDJSON_PADDING readable bytes after the text.
  padded_.assign(v);
  padded_.resize(v.size() + simdjson::SIMDJSON_PADDING, '\0');
  simdjson::dom::element doc;
  auto code = parser_.parse(padded_.data(), v.size(), false).get(doc);
  if (code != simdjson::SUCCESS) {
    if (err) {
      err->exception_class = "org.apache.kafka.connect.errors.DataException";
      err->message = "value at offset " + std::to_string(rec.offset) +
                     " is not valid JSON: " + simdjson::error_message(code);
    }
    return FormatOutcome::kError;
  }
  // Two memchr scans (find_first_of is a byte-by-byte loop in libstdc++).
  if (std::memchr(v.data(), '\n', v.size()) != nullptr ||
      std::memchr(v.data(), '\r', v.size()) != nullptr) {
    // JSON whitespace may hold line breaks; one value per line needs them gone.
    minified_.resize(v.size());
    size_t len = 0;
    if (simdjson::minify(v.data(), v.size(), minified_.data(), len) == simdjson::SUCCESS) {
      out.append(minified_.data(), len);
    } else {
      out += v;  // unreachable: the text was just validated
    }
  } else {
    out += v;
  }
  out += '\n';
  return FormatOutcome::kWritten;
}

}  // namespace pinpipe::sink
