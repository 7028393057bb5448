// A small JSON document model for the emulator's inputs (REST Proxy responses, JSONL
// dumps). Numbers keep their source text so re-serializing never changes a value, and
// object members keep their order (the consumer check writes them back in that order).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace pinpipe::emulator {

class JsonValue {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  static Result<JsonValue> Parse(std::string_view text);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_number() const { return kind_ == Kind::kNumber; }
  bool is_object() const { return kind_ == Kind::kObject; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool as_bool() const { return bool_; }
  // The decoded string, or the number's source text.
  const std::string& text() const { return text_; }
  // Integer value of a number without fraction/exponent that fits in int64.
  std::optional<int64_t> as_int() const;
  std::optional<double> as_double() const;

  const std::vector<JsonValue>& items() const { return items_; }
  const std::vector<std::pair<std::string, JsonValue>>& members() const { return members_; }
  // nullptr when absent (or not an object).
  const JsonValue* Find(std::string_view key) const;

  // json.dumps() of this value (", " / ": " separators, ensure_ascii).
  void AppendPython(std::string* out) const;

 private:
  friend class JsonParser;
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  std::string text_;
  std::vector<JsonValue> items_;
  std::vector<std::pair<std::string, JsonValue>> members_;
};

}  // namespace pinpipe::emulator
