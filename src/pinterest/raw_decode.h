// Decoding of raw records (one JSON object per record, NDJSON buffers = whole lake objects)
// into the typed raw tables, with simdjson's On-Demand API. Lenient where the original's
// data was: numeric fields accept JSON numbers or numeric strings, string fields accept
// numbers (their JSON text), the row number may be `ind` or `index` (`ind` wins when both
// are present), datetimes come in two spellings. Missing fields and JSON nulls are nulls;
// unknown fields are ignored. A record that cannot be decoded (not JSON, not an object,
// wrong types, unparseable number or datetime, no `ind`) goes to the quarantine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "pinterest/quarantine.h"
#include "pinterest/raw_tables.h"

namespace pinpipe::pinterest {

struct RawTables {
  RawPinTable pin;
  RawGeoTable geo;
  RawUserTable user;
  QuarantineTable quarantine;

  // Scales the reserved room of the table of `kind` (see StringColumn::ReserveScaled).
  void ReserveScaled(RawKind kind, double factor);
};

// One decoder per thread; reuse it across calls (it keeps the parser's buffers warm).
class RawDecoder {
 public:
  // Bytes DecodeInPlace appends behind the input (simdjson's padding): reserve them up front
  // and the input is never reallocated.
  static constexpr size_t kPadding = 64;

  RawDecoder();
  ~RawDecoder();
  RawDecoder(const RawDecoder&) = delete;
  RawDecoder& operator=(const RawDecoder&) = delete;

  // Decodes every line of `ndjson` (blank lines are skipped, a trailing "\r" is ignored)
  // into the table of `kind` (or the quarantine). Copies the bytes once into a padded buffer.
  void Decode(RawKind kind, std::string_view ndjson, RawTables* out);
  // Same, without the copy: grows `ndjson`'s capacity by the parser's padding and restores
  // its size before returning.
  void DecodeInPlace(RawKind kind, std::string* ndjson, RawTables* out);
  // One record (one JSON value, e.g. a Kinesis record's data).
  void DecodeRecord(RawKind kind, std::string_view json, RawTables* out);

  // Records seen (decoded + quarantined) over the decoder's lifetime.
  uint64_t records() const { return records_; }

 private:
  struct Impl;
  void DecodePadded(RawKind kind, const char* data, size_t size, size_t capacity,
                    RawTables* out);
  std::unique_ptr<Impl> impl_;
  uint64_t records_ = 0;
};

// Strict numeric text of the lenient fields: integers "-?[0-9]+" (int64 range), doubles as
// std::from_chars reads them (whole string).
bool ParseInt64Text(std::string_view s, int64_t* out);
bool ParseDoubleText(std::string_view s, double* out);

}  // namespace pinpipe::pinterest
