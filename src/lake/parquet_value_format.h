// How one decoded Parquet value is shown (lake show, lake parquet-show): JSON or plain text,
// from the leaf's physical type and logical annotation (LogicalTypes.md). Dates
// "YYYY-MM-DD"; timestamps "YYYY-MM-DDTHH:MM:SS.ffffff" with "Z" when UTC-adjusted (9 fraction
// digits for NANOS); times "HH:MM:SS.fff[fff[fff]]"; decimals as exact numbers ("-12.30");
// binary as base64; UUIDs 8-4-4-4-12; FLOAT as its shortest round-trip text.
#pragma once

#include <cstdint>
#include <string>

#include "lake/parquet_column_data.h"
#include "lake/parquet_schema.h"

namespace pinpipe::lake {

struct ValueFormat {
  enum Kind : uint8_t { kInt, kUInt, kFloat, kDouble, kBool, kString, kBinary, kDecimal, kDate, kTime,
                        kTimestamp, kUuid, kFloat16 };
  Kind kind = kInt;
  int32_t scale = 0;  // kDecimal
  int8_t unit = 2;    // kTime / kTimestamp: unit of the stored value (1 ms, 2 µs, 3 ns)
  bool utc = true;    // kTimestamp: "Z" suffix
};

// The default format of a leaf (INT96 = UTC timestamp in µs).
ValueFormat FormatOf(const LeafColumn& leaf);

// Appends value i of d (an index into its value vector). json: strings, dates, times,
// timestamps, binary and UUIDs quoted and escaped, NaN/±Infinity as strings; text: unquoted.
void AppendValue(const ValueFormat& f, const LeafData& d, size_t i, bool json, std::string* out);

// Days since 1970-01-01 as "YYYY-MM-DD" (proleptic Gregorian).
void AppendCivilDate(int64_t days, std::string* out);
// A timestamp of the given unit since the epoch: "YYYY-MM-DDTHH:MM:SS.ffffff" (+ "Z" if utc).
void AppendTimestamp(int64_t value, int unit, bool utc, std::string* out);

}  // namespace pinpipe::lake
