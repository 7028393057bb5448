// Reading and validating a request's fields with AWS's error shapes (protocols.md §2.1): a
// field of the wrong type is a SerializationException; constraint failures are collected into
// one ValidationException in the Coral format ("2 validation errors detected: Value 'x' at
// 'streamName' failed to satisfy constraint: Member must ...; ..."), at most 10.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kinesis/service.h"
#include "kinesis/value.h"

namespace pinpipe::kinesis {

class RequestFields {
 public:
  explicit RequestFields(const Value& req);

  // Absent or null → nullptr / nullopt. A wrong type records a SerializationException.
  const std::string* String(std::string_view name);
  std::optional<int64_t> Int(std::string_view name);
  std::optional<bool> Bool(std::string_view name);
  const Value* Map(std::string_view name);
  const Value* List(std::string_view name);
  // Epoch milliseconds: a JSON number of seconds, or a CBOR tag-1 timestamp (milliseconds).
  std::optional<int64_t> TimestampMs(std::string_view name);
  // A blob: CBOR bytes, or base64 text in JSON (bad base64 → SerializationException, as AWS).
  // Returns false when absent.
  bool Blob(std::string_view name, std::string& out);

  // Validation helpers on a value at member path `at` ("streamName", "records.1.member.data").
  void Required(bool present, std::string_view at);
  void Length(std::string_view value, size_t min, size_t max, std::string_view at);
  void Pattern(std::string_view value, bool ok, std::string_view pattern, std::string_view at);
  void Range(int64_t value, int64_t min, int64_t max, std::string_view at);
  void Enum(std::string_view value, std::initializer_list<std::string_view> allowed, std::string_view at);
  void Fail(std::string message) { validation_.push_back(std::move(message)); }

  // The first problem found, or nullopt.
  std::optional<ApiError> Error() const;

  // Shared checks.
  static bool IsStreamNameChar(char c);
  static bool ValidName(std::string_view s);  // [a-zA-Z0-9_.-]+

 private:
  const Value* Field(std::string_view name, Value::Kind kind, std::string_view type_name);
  const Value& req_;
  std::optional<ApiError> serialization_;
  std::vector<std::string> validation_;
};

std::string Quoted(std::string_view v);  // 'value' for messages, cut to 256 bytes

}  // namespace pinpipe::kinesis
