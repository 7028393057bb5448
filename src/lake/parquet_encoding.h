// Parquet value and level encodings (apache/parquet-format Encodings.md): the RLE/bit-packing
// hybrid (levels, dictionary indices), the deprecated BIT_PACKED levels, and PLAIN.
// Decoders never read past their input and report corruption instead.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "lake/parquet_column_data.h"

namespace pinpipe::lake {

// Bits needed to store values 0..max_value (ceil(log2(max+1))).
int BitWidth(uint64_t max_value);

// Appends the RLE/bit-packed hybrid encoding of values (each < 2^bit_width) to *out, without
// the 4-byte length prefix (Encodings.md "Run Length Encoding / Bit-Packing Hybrid").
void EncodeRleHybrid(const uint8_t* values, size_t n, int bit_width, std::string* out);
void EncodeRleHybrid(const uint32_t* values, size_t n, int bit_width, std::string* out);

// Decodes exactly n values from the hybrid encoding of [data, data+size).
class RleHybridDecoder {
 public:
  RleHybridDecoder(const uint8_t* data, size_t size, int bit_width)
      : p_(data), end_(data + size), width_(bit_width) {}
  // Values must fit in T; returns corruption when the input ends early.
  Status Decode(uint8_t* out, size_t n) { return DecodeImpl(out, n); }
  Status Decode(uint32_t* out, size_t n) { return DecodeImpl(out, n); }

 private:
  template <typename T>
  Status DecodeImpl(T* out, size_t n);
  Status NextRun();

  const uint8_t* p_;
  const uint8_t* end_;
  int width_;
  // current run
  bool literal_ = false;
  uint64_t remaining_ = 0;  // values left in the run
  uint32_t rle_value_ = 0;
  const uint8_t* bits_ = nullptr;  // literal run data
  uint64_t bit_pos_ = 0;
};

// Deprecated BIT_PACKED levels (Encodings.md "Bit-packed (Deprecated)"): MSB-first, no header.
Status DecodeBitPackedLegacy(const uint8_t* data, size_t size, int bit_width, uint8_t* out, size_t n);

// PLAIN encoding of values [first, first+count) of a leaf's value vector, appended to *out.
void EncodePlain(const LeafData& data, size_t first, size_t count, std::string* out);

// INT96 timestamp (nanos of day + Julian day, parquet.thrift "INT96") as µs since the epoch,
// floored like Spark.
int64_t Int96ToMicros(const uint8_t* p);

// PLAIN decoding of n values appended to the matching vector of *out; *consumed = bytes used.
Status DecodePlain(const uint8_t* data, size_t size, size_t n, LeafData* out, size_t* consumed);

}  // namespace pinpipe::lake
