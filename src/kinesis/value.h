// Value: the decoded form of a Kinesis request or response, shared by the JSON 1.1 and the CBOR
// codecs so every operation has one code path. Blobs stay bytes (CBOR byte strings; base64 text
// in JSON is decoded by the field accessors), timestamps are epoch milliseconds (CBOR tag 1 as
// the AWS SDKs write it; JSON numbers are epoch seconds).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pinpipe::kinesis {

struct ValueField;

struct Value {
  enum class Kind : uint8_t { kNull, kBool, kInt, kDouble, kString, kBytes, kArray, kMap, kTimestamp };
  Kind kind = Kind::kNull;
  bool b = false;
  int64_t i = 0;
  double d = 0;  // kDouble; kTimestamp: epoch ms
  std::string s;  // kString, kBytes
  std::vector<Value> items;  // kArray
  std::vector<ValueField> fields;  // kMap, in order received

  static Value Null();
  static Value Bool(bool v);
  static Value Int(int64_t v);
  static Value Double(double v);
  static Value String(std::string v);
  static Value Bytes(std::string v);
  static Value Timestamp(double ms);
  static Value Array();
  static Value Map();

  bool is_null() const { return kind == Kind::kNull; }
  // Map lookup (last occurrence wins, as a JSON object reader would); null if absent or not a map.
  const Value* Find(std::string_view key) const;
  // Map building.
  Value& Set(std::string key, Value v);
  Value& Add(Value v);
};

// A map member (a named struct rather than std::pair, which may not hold the incomplete Value).
struct ValueField {
  ValueField(std::string k, Value v) : first(std::move(k)), second(std::move(v)) {}
  std::string first;
  Value second;
};

// Defined here, where ValueField is complete (clang with libstdc++ insists).
inline Value Value::Null() { return Value{}; }
inline Value Value::Bool(bool v) { Value x; x.kind = Kind::kBool; x.b = v; return x; }
inline Value Value::Int(int64_t v) { Value x; x.kind = Kind::kInt; x.i = v; return x; }
inline Value Value::Double(double v) { Value x; x.kind = Kind::kDouble; x.d = v; return x; }
inline Value Value::String(std::string v) { Value x; x.kind = Kind::kString; x.s = std::move(v); return x; }
inline Value Value::Bytes(std::string v) { Value x; x.kind = Kind::kBytes; x.s = std::move(v); return x; }
inline Value Value::Timestamp(double ms) { Value x; x.kind = Kind::kTimestamp; x.d = ms; return x; }
inline Value Value::Array() { Value x; x.kind = Kind::kArray; return x; }
inline Value Value::Map() { Value x; x.kind = Kind::kMap; return x; }
inline Value& Value::Add(Value v) { items.push_back(std::move(v)); return items.back(); }

}  // namespace pinpipe::kinesis
