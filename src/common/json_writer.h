// Minimal, fast JSON text building: appends to a caller-owned std::string (reused across
// requests, so no allocation once it is warm). No DOM.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pinpipe {

// Appends `s` as a JSON string literal (quotes included). Control characters, '"' and '\\'
// are escaped; well-formed UTF-8 passes through unchanged and every ill-formed subpart becomes
// U+FFFD, so the output is valid UTF-8 JSON whatever bytes `s` holds.
void AppendJsonString(std::string& out, std::string_view s);
void AppendJsonInt(std::string& out, int64_t v);
// Shortest round-trip representation, with ".0" on integral values so the value stays a
// double for typed readers; NaN and infinities (not JSON) become null.
void AppendJsonDouble(std::string& out, double v);

// A small streaming writer for JSON documents built field by field (the Delta log, stats):
// compact output, keys in the order the caller writes them, commas handled here.
class JsonWriter {
 public:
  JsonWriter() = default;
  explicit JsonWriter(std::string buffer) : out_(std::move(buffer)) { out_.clear(); }

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view v);
  JsonWriter& Int(int64_t v);
  JsonWriter& Double(double v);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // Inserts already-serialized JSON (a nested document kept verbatim).
  JsonWriter& Raw(std::string_view json);

  // Shorthands for "key": value.
  JsonWriter& Field(std::string_view key, std::string_view v) { return Key(key).String(v); }
  JsonWriter& Field(std::string_view key, const char* v) { return Key(key).String(v); }
  JsonWriter& Field(std::string_view key, int64_t v) { return Key(key).Int(v); }
  JsonWriter& Field(std::string_view key, int v) { return Key(key).Int(v); }
  JsonWriter& Field(std::string_view key, bool v) { return Key(key).Bool(v); }

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }
  void Clear() {
    out_.clear();
    first_.clear();
    after_key_ = false;
  }

 private:
  void Separate();

  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace pinpipe
