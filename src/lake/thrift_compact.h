// Thrift Compact Protocol encoder/decoder: the wire format of every Parquet footer and page
// header (apache/thrift doc/specs/thrift-compact-protocol.md). Only what parquet.thrift needs;
// the decoder is bounds-checked and depth-limited because it reads untrusted bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pinpipe::lake {

// Compact-protocol type codes (TCP "Struct encoding": field types).
enum class TType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kI8 = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

// Appends compact-protocol bytes to a caller-owned buffer. Callers write fields in increasing
// id order per struct; the writer keeps the per-struct "last field id" stack for the delta form.
class ThriftWriter {
 public:
  explicit ThriftWriter(std::string* out) : out_(out) {}

  void BeginStruct() { last_ids_.push_back(0); }
  void EndStruct() {  // stop field
    out_->push_back(0);
    last_ids_.pop_back();
  }
  void FieldI8(int16_t id, int8_t v);
  void FieldI16(int16_t id, int16_t v);
  void FieldI32(int16_t id, int32_t v);
  void FieldI64(int16_t id, int64_t v);
  void FieldBool(int16_t id, bool v);
  void FieldBinary(int16_t id, std::string_view v);
  void FieldDouble(int16_t id, double v);
  // Struct field: writes the header and opens the nested struct (close with EndStruct).
  void FieldStructBegin(int16_t id);
  // List field header; then write `size` elements with the Element* calls below.
  void FieldListBegin(int16_t id, TType elem, uint32_t size);

  // List elements (no field header).
  void ElementI32(int32_t v) { WriteVarint(ZigZag(v)); }
  void ElementBinary(std::string_view v);
  void ElementStructBegin() { BeginStruct(); }

  static uint64_t ZigZag(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  }
  void WriteVarint(uint64_t v);

 private:
  void FieldHeader(int16_t id, TType type);

  std::string* out_;
  std::vector<int16_t> last_ids_;
};

// Reads compact-protocol values from a byte range. Every read checks bounds; errors are
// kCorruption with the byte position. Structs are walked by the caller:
//   BeginStruct(); while (ReadFieldHeader(&id, &type) && type != kStop) { switch(id) ...; }
class ThriftReader {
 public:
  ThriftReader(const uint8_t* data, size_t size) : p_(data), begin_(data), end_(data + size) {}

  size_t position() const { return static_cast<size_t>(p_ - begin_); }
  const Status& status() const { return status_; }
  bool ok() const { return status_.has_value(); }

  void BeginStruct();
  void EndStruct();
  // Returns false at the stop field or on error.
  bool NextField(int16_t* id, TType* type);

  // Value readers check that the wire type matches the IDL type of the field
  // (parquet.thrift); a mismatch is corruption, not something to guess about.
  int64_t ReadInt(TType type);  // i8/i16/i32/i64 by wire type
  int32_t ReadI32(TType type);
  int64_t ReadI64(TType type);
  bool ReadBool(TType type);    // a bool field's value is its type nibble
  std::string_view ReadBinary(TType type);
  double ReadDouble(TType type);
  // List header: element type and size; size is checked against the remaining bytes.
  uint32_t ReadListBegin(TType type, TType* elem);
  // List element readers.
  int32_t ReadElementI32() { return static_cast<int32_t>(Unzig(ReadVarint())); }
  std::string_view ReadElementBinary();
  bool ReadElementBool();

  // Skips a value of any type (unknown fields).
  void Skip(TType type, int depth = 0);

  void Fail(std::string_view what);

 private:
  uint64_t ReadVarint();
  static int64_t Unzig(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

  const uint8_t* p_;
  const uint8_t* begin_;
  const uint8_t* end_;
  std::vector<int16_t> last_ids_;
  Status status_;
};

}  // namespace pinpipe::lake
