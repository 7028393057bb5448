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

void RawPinTable::Append(const RawPinTable& o) {
  // Fingerprints stay only while they cover every row.
  if (fingerprints.size() == size() && o.fingerprints.size() == o.size()) {
    fingerprints.insert(fingerprints.end(), o.fingerprints.begin(), o.fingerprints.end());
  } else {
    fingerprints.clear();
  }
  ind.insert(ind.end(), o.ind.begin(), o.ind.end());
  unique_id.AppendColumn(o.unique_id);
  title.AppendColumn(o.title);
  description.AppendColumn(o.description);
  poster_name.AppendColumn(o.poster_name);
  follower_count.AppendColumn(o.follower_count);
  tag_list.AppendColumn(o.tag_list);
  is_image_or_video.AppendColumn(o.is_image_or_video);
  image_src.AppendColumn(o.image_src);
  downloaded.AppendColumn(o.downloaded);
  save_location.AppendColumn(o.save_location);
  category.AppendColumn(o.category);
}

void RawGeoTable::Append(const RawGeoTable& o) {
  // Fingerprints stay only while they cover every row.
  if (fingerprints.size() == size() && o.fingerprints.size() == o.size()) {
    fingerprints.insert(fingerprints.end(), o.fingerprints.begin(), o.fingerprints.end());
  } else {
    fingerprints.clear();
  }
  ind.insert(ind.end(), o.ind.begin(), o.ind.end());
  timestamp.AppendColumn(o.timestamp);
  latitude.AppendColumn(o.latitude);
  longitude.AppendColumn(o.longitude);
  country.AppendColumn(o.country);
}

void RawUserTable::Append(const RawUserTable& o) {
  // Fingerprints stay only while they cover every row.
  if (fingerprints.size() == size() && o.fingerprints.size() == o.size()) {
    fingerprints.insert(fingerprints.end(), o.fingerprints.begin(), o.fingerprints.end());
  } else {
    fingerprints.clear();
  }
  ind.insert(ind.end(), o.ind.begin(), o.ind.end());
  first_name.AppendColumn(o.first_name);
  last_name.AppendColumn(o.last_name);
  age.AppendColumn(o.age);
  date_joined.AppendColumn(o.date_joined);
}

}  // namespace pinpipe::pinterest
