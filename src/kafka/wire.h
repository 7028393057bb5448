// Kafka's primitive types (kafka.md §2.2): big-endian integers, int16-length strings and
// int32-length bytes/arrays, and the flexible versions' compact forms (unsigned varint N+1,
// 0 = null) and tagged-field sections. Reader never throws and never reads past its input:
// the first malformed or truncated field sets failed() and every later read returns a zero
// value, so a handler parses a whole request and checks once at the end.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pinpipe::kafka {

class Reader {
 public:
  explicit Reader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  bool failed() const { return failed_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

  int8_t I8();
  int16_t I16();
  int32_t I32();
  int64_t I64();
  bool Bool() { return I8() != 0; }
  uint32_t UVarint();

  // STRING / COMPACT_STRING. A null here is malformed (fails).
  std::string_view String(bool flexible);
  // NULLABLE_STRING / COMPACT_NULLABLE_STRING.
  std::optional<std::string_view> NullableString(bool flexible);
  // (NULLABLE_)BYTES / COMPACT_(NULLABLE_)BYTES; nullopt for null.
  std::optional<std::string_view> Bytes(bool flexible);
  // ARRAY / COMPACT_ARRAY element count; -1 for null. Fails for a count that cannot fit in
  // what is left (every element is at least one byte), so a hostile count allocates nothing.
  int32_t ArrayLength(bool flexible);
  // Skips a tagged-field section (flexible versions only; no tag is understood yet).
  void SkipTaggedFields();
  // The unread bytes (consumed).
  std::string_view Rest();
  void Fail() { failed_ = true; p_ = end_; }

 private:
  bool Need(size_t n);
  const char* p_;
  const char* end_;
  bool failed_ = false;
};

// Appends Kafka-encoded fields to a string (the response being built).
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  std::string& out() { return out_; }

  void I8(int8_t v) { out_.push_back(static_cast<char>(v)); }
  void I16(int16_t v);
  void I32(int32_t v);
  void I64(int64_t v);
  void Bool(bool v) { I8(v ? 1 : 0); }
  void UVarint(uint32_t v);
  void String(std::string_view s, bool flexible);
  void NullableString(std::optional<std::string_view> s, bool flexible);
  void Bytes(std::optional<std::string_view> b, bool flexible);
  void ArrayLength(int32_t n, bool flexible);  // -1 = null
  void EmptyTaggedFields() { UVarint(0); }
  // Reserves an int32 to be patched later (sizes written before their data).
  size_t ReserveI32();
  void PatchI32(size_t pos, int32_t v);

 private:
  std::string& out_;
};

}  // namespace pinpipe::kafka
