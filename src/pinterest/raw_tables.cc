#include "pinterest/raw_tables.h"

namespace pinpipe::pinterest {

std::string_view RawKindName(RawKind kind) {
  switch (kind) {
    case RawKind::kPin:
      return "pin";
    case RawKind::kGeo:
      return "geo";
    case RawKind::kUser:
      return "user";
  }
  return "?";
}

namespace {
void ReserveScaled(std::vector<int64_t>& v, double factor) {
  v.reserve(static_cast<size_t>(static_cast<double>(v.size()) * factor));
}
}  // namespace

void RawPinTable::ReserveScaled(double f) {
  pinterest::ReserveScaled(ind, f);
  fingerprints.reserve(ind.capacity());
  for (StringColumn* c : {&unique_id, &title, &description, &poster_name, &follower_count,
                          &tag_list, &is_image_or_video, &image_src, &save_location, &category}) {
    c->ReserveScaled(f);
  }
  downloaded.ReserveScaled(f);
}

void RawGeoTable::ReserveScaled(double f) {
  pinterest::ReserveScaled(ind, f);
  fingerprints.reserve(ind.capacity());
  timestamp.ReserveScaled(f);
  latitude.ReserveScaled(f);
  longitude.ReserveScaled(f);
  country.ReserveScaled(f);
}

void RawUserTable::ReserveScaled(double f) {
  pinterest::ReserveScaled(ind, f);
  fingerprints.reserve(ind.capacity());
  first_name.ReserveScaled(f);
  last_name.ReserveScaled(f);
  age.ReserveScaled(f);
  date_joined.ReserveScaled(f);
}

}  // namespace pinpipe::pinterest
