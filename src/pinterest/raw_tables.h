// The three raw tables as decoded from the topics' records, before cleaning: typed columns
// holding the decoded values (numbers that arrived as strings are numbers here, both
// datetime spellings are one timestamp, `ind`/`index` is `ind`). Whole-row equality for
// deduplication is defined over exactly these values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "pinterest/columns.h"
#include "pinterest/fingerprint.h"

namespace pinpipe::pinterest {

enum class RawKind : uint8_t { kPin = 0, kGeo = 1, kUser = 2 };
std::string_view RawKindName(RawKind kind);  // "pin", "geo", "user"

struct RawPinTable {
  std::vector<int64_t> ind;  // never null: a record without one is quarantined
  StringColumn unique_id, title, description, poster_name, follower_count, tag_list,
      is_image_or_video, image_src;
  Int64Column downloaded;
  StringColumn save_location, category;

  // Row fingerprints when the decoder computed them (ExtendFingerprints), else empty.
  std::vector<Fingerprint> fingerprints;

  size_t size() const { return ind.size(); }
  void ReserveScaled(double factor);  // see StringColumn::ReserveScaled
};

struct RawGeoTable {
  std::vector<int64_t> ind;
  TimestampColumn timestamp;
  DoubleColumn latitude, longitude;
  StringColumn country;

  // Row fingerprints when the decoder computed them (ExtendFingerprints), else empty.
  std::vector<Fingerprint> fingerprints;

  size_t size() const { return ind.size(); }
  void ReserveScaled(double factor);  // see StringColumn::ReserveScaled
};

struct RawUserTable {
  std::vector<int64_t> ind;
  StringColumn first_name, last_name;
  Int64Column age;
  TimestampColumn date_joined;

  // Row fingerprints when the decoder computed them (ExtendFingerprints), else empty.
  std::vector<Fingerprint> fingerprints;

  size_t size() const { return ind.size(); }
  void ReserveScaled(double factor);  // see StringColumn::ReserveScaled
};

}  // namespace pinpipe::pinterest
