// ProduceBody: parses and checks a REST Proxy v2 produce body,
// {"records":[{"key":..,"value":..,"partition":..}], "key_schema":.., ...}, into record views —
// apart from the server so it can be fuzzed alone (fuzz/rest_produce_body_fuzz.cc).
//
//  - The envelope follows ProduceRequest: unknown or repeated fields are 422, so a typo
//    ("valu") is never stored as a null-valued record.
//  - json keys and values must pass ValidateJson (common/json_validator.h), as strict as every
//    later reader (the sink, json consumers, Jackson); otherwise 422/42206. They are stored
//    minified.
//  - binary keys and values are base64 strings (400 otherwise, as the REST Proxy answers).
//  - At most `max_records` records (413 past it, found before the rest is looked at), and
//    error messages quote at most 64 bytes of input: every answer is small.
//
// One object per reactor thread: its buffers are reused, so a steady stream of requests
// allocates nothing here. Views returned stay valid until the next Parse.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pinpipe::gateway {

struct ProduceBodyError {
  int code;  // a rest_code
  std::string message;
};

class ProduceBody {
 public:
  struct Record {
    // Offsets into the minified body (json) or the decoded bytes (binary); len -1 = null.
    size_t key_pos = 0;
    int64_t key_len = -1;
    size_t value_pos = 0;
    int64_t value_len = -1;
    int32_t partition = -1;  // explicit record partition, -1 = none
  };

  std::optional<ProduceBodyError> Parse(std::string_view body, bool binary, size_t max_records);

  const std::vector<Record>& records() const { return records_; }
  std::optional<std::string_view> Key(const Record& r) const { return View(r.key_pos, r.key_len); }
  std::optional<std::string_view> Value(const Record& r) const { return View(r.value_pos, r.value_len); }

 private:
  std::optional<std::string_view> View(size_t pos, int64_t len) const {
    if (len < 0) return std::nullopt;
    const std::string& base = binary_ ? decoded_ : minified_;
    return std::string_view(base.data() + pos, static_cast<size_t>(len));
  }

  bool binary_ = false;
  std::string minified_;  // the body without insignificant whitespace (+ simdjson padding)
  simdjson::ondemand::parser parser_;
  std::string decoded_;  // base64-decoded keys and values (binary format)
  std::vector<Record> records_;
};

}  // namespace pinpipe::gateway
