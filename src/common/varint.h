// Variable-length integers as Kafka encodes them (kafka.md §2.2):
//  - zig-zag signed varint (int32) / varlong (int64), used by record fields of RecordBatch v2;
//  - unsigned varint (uint32), used by compact lengths and tagged fields of flexible messages.
// Encoders write into a caller buffer with room for kMaxVarint{32,64}Bytes; decoders are
// bounds-checked and report malformed input instead of reading past the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace pinpipe {

inline constexpr size_t kMaxVarint32Bytes = 5;
inline constexpr size_t kMaxVarint64Bytes = 10;

inline constexpr uint32_t ZigZagEncode32(int32_t v) {
  return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
inline constexpr int32_t ZigZagDecode32(uint32_t v) {
  return static_cast<int32_t>(v >> 1) ^ -static_cast<int32_t>(v & 1);
}
inline constexpr uint64_t ZigZagEncode64(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline constexpr int64_t ZigZagDecode64(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Number of bytes the encodings take.
inline constexpr size_t UnsignedVarint64Size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
inline constexpr size_t VarintSize(int32_t v) { return UnsignedVarint64Size(ZigZagEncode32(v)); }
inline constexpr size_t VarlongSize(int64_t v) { return UnsignedVarint64Size(ZigZagEncode64(v)); }

// Writes the encoding at `dst` and returns the byte after it.
inline char* PutUnsignedVarint64(char* dst, uint64_t v) {
  auto* p = reinterpret_cast<unsigned char*>(dst);
  while (v >= 0x80) {
    *p++ = static_cast<unsigned char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<unsigned char>(v);
  return reinterpret_cast<char*>(p);
}
inline char* PutUnsignedVarint32(char* dst, uint32_t v) { return PutUnsignedVarint64(dst, v); }
inline char* PutVarint(char* dst, int32_t v) { return PutUnsignedVarint64(dst, ZigZagEncode32(v)); }
inline char* PutVarlong(char* dst, int64_t v) { return PutUnsignedVarint64(dst, ZigZagEncode64(v)); }

// Appending forms for code that builds into a std::string.
void AppendUnsignedVarint32(std::string& out, uint32_t v);
void AppendVarint(std::string& out, int32_t v);
void AppendVarlong(std::string& out, int64_t v);

// Decoders: read from [*p, end), advance *p and return true; on truncated or overlong
// input (more than 5 bytes for 32-bit, 10 for 64-bit, or bits beyond the type) return
// false and leave *p unspecified.
bool GetUnsignedVarint32(const char** p, const char* end, uint32_t* v);
bool GetUnsignedVarint64(const char** p, const char* end, uint64_t* v);
bool GetVarint(const char** p, const char* end, int32_t* v);
bool GetVarlong(const char** p, const char* end, int64_t* v);

}  // namespace pinpipe
