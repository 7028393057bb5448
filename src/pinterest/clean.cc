#include "pinterest/clean.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "pinterest/clean_rules.h"
#include "pinterest/raw_decode.h"

namespace pinpipe::pinterest {

namespace {

void AddStr(RowHasher& h, const StringColumn& c, size_t i) {
  c.IsValid(i) ? h.AddString(c.Get(i)) : h.AddNull();
}
template <typename T>
void AddNum(RowHasher& h, const NumericColumn<T>& c, size_t i) {
  if (c.IsNull(i)) {
    h.AddNull();
  } else if constexpr (std::is_floating_point_v<T>) {
    h.AddDouble(c.values[i]);
  } else {
    h.AddInt(c.values[i]);
  }
}

// The table's own fingerprints when they cover every row, else computed now.
template <typename Table>
std::vector<Fingerprint> FingerprintsOf(Table& raw,
                                        std::vector<Fingerprint> (*compute)(const Table&)) {
  if (raw.fingerprints.size() == raw.size()) return std::move(raw.fingerprints);
  return compute(raw);
}

// Rows to keep, or nullopt when every row is kept (then the columns are not rewritten).
// `is_new(fp)` says whether a row is the first of its kind (and remembers it).
template <typename IsNew>
std::optional<RowIds> KeepFirst(const std::vector<Fingerprint>& fps, IsNew&& is_new_fp,
                                CleanStats* stats) {
  RowIds keep;
  bool dropped = false;
  auto consider = [&](size_t i, bool is_new) {
    if (is_new) {
      if (dropped) keep.push_back(static_cast<uint32_t>(i));
      return;
    }
    if (!dropped) {  // first duplicate: materialize the rows kept so far
      dropped = true;
      keep.reserve(fps.size());
      for (size_t k = 0; k < i; ++k) keep.push_back(static_cast<uint32_t>(k));
    }
  };
  for (size_t i = 0; i < fps.size(); ++i) consider(i, is_new_fp(fps[i]));
  if (stats) {
    const size_t out = dropped ? keep.size() : fps.size();
    stats->input_rows += fps.size();
    stats->output_rows += out;
    stats->duplicates += fps.size() - out;
  }
  if (!dropped) return std::nullopt;
  return keep;
}

std::optional<RowIds> Deduplicate(const std::vector<Fingerprint>& fps, DedupWindow* window,
                                  CleanStats* stats) {
  if (stats) *stats = CleanStats{};
  if (window) {
    return KeepFirst(fps, [&](const Fingerprint& fp) { return window->Insert(fp); }, stats);
  }
  FingerprintSet seen(fps.size());
  return KeepFirst(fps, [&](const Fingerprint& fp) { return seen.Insert(fp); }, stats);
}

constexpr auto kKeepAll = [](std::string_view v) {
  return StringColumn::Trim{true, 0, static_cast<uint32_t>(v.size())};
};
constexpr auto kNullSentinels = [](std::string_view v) {
  return IsSentinel(v) ? StringColumn::Trim{false, 0, 0}
                       : StringColumn::Trim{true, 0, static_cast<uint32_t>(v.size())};
};

void FilterOnly(StringColumn& c, const RowIds* keep) {
  if (keep) c.FilterTrimInPlace(keep, kKeepAll);
}

}  // namespace

static void AppendPinFingerprints(const RawPinTable& t, size_t begin, std::vector<Fingerprint>& fps) {
  fps.resize(t.size());
  for (size_t i = begin; i < t.size(); ++i) {
    RowHasher h;
    h.AddInt(t.ind[i]);
    AddStr(h, t.unique_id, i);
    AddStr(h, t.title, i);
    AddStr(h, t.description, i);
    AddStr(h, t.poster_name, i);
    AddStr(h, t.follower_count, i);
    AddStr(h, t.tag_list, i);
    AddStr(h, t.is_image_or_video, i);
    AddStr(h, t.image_src, i);
    AddNum(h, t.downloaded, i);
    AddStr(h, t.save_location, i);
    AddStr(h, t.category, i);
    fps[i] = h.Finish();
  }
}

static void AppendGeoFingerprints(const RawGeoTable& t, size_t begin, std::vector<Fingerprint>& fps) {
  fps.resize(t.size());
  for (size_t i = begin; i < t.size(); ++i) {
    RowHasher h;
    h.AddInt(t.ind[i]);
    AddNum(h, t.timestamp, i);
    AddNum(h, t.latitude, i);
    AddNum(h, t.longitude, i);
    AddStr(h, t.country, i);
    fps[i] = h.Finish();
  }
}

static void AppendUserFingerprints(const RawUserTable& t, size_t begin, std::vector<Fingerprint>& fps) {
  fps.resize(t.size());
  for (size_t i = begin; i < t.size(); ++i) {
    RowHasher h;
    h.AddInt(t.ind[i]);
    AddStr(h, t.first_name, i);
    AddStr(h, t.last_name, i);
    AddNum(h, t.age, i);
    AddNum(h, t.date_joined, i);
    fps[i] = h.Finish();
  }
}

std::vector<Fingerprint> PinFingerprints(const RawPinTable& t) {
  std::vector<Fingerprint> fps;
  AppendPinFingerprints(t, 0, fps);
  return fps;
}
std::vector<Fingerprint> GeoFingerprints(const RawGeoTable& t) {
  std::vector<Fingerprint> fps;
  AppendGeoFingerprints(t, 0, fps);
  return fps;
}
std::vector<Fingerprint> UserFingerprints(const RawUserTable& t) {
  std::vector<Fingerprint> fps;
  AppendUserFingerprints(t, 0, fps);
  return fps;
}

std::optional<RowIds> DeduplicateChunk(const std::vector<Fingerprint>& fps, FingerprintSet& seen,
                                       CleanStats* stats) {
  // A whole input's set outgrows the caches, so each insert would wait for memory: the slot
  // of the fingerprint kPrefetchAhead rows on is requested first, overlapping the misses.
  constexpr size_t kPrefetchAhead = 16;
  seen.Reserve(seen.size() + fps.size());  // no rehash while prefetches are in flight
  for (size_t i = 0; i < std::min(fps.size(), kPrefetchAhead); ++i) seen.Prefetch(fps[i]);
  size_t ahead = kPrefetchAhead;  // KeepFirst asks about each row once, in order
  return KeepFirst(
      fps,
      [&](const Fingerprint& fp) {
        if (ahead < fps.size()) seen.Prefetch(fps[ahead]);
        ++ahead;
        return seen.Insert(fp);
      },
      stats);
}

void ExtendFingerprints(RawKind kind, RawTables* t) {
  switch (kind) {
    case RawKind::kPin:
      AppendPinFingerprints(t->pin, t->pin.fingerprints.size(), t->pin.fingerprints);
      break;
    case RawKind::kGeo:
      AppendGeoFingerprints(t->geo, t->geo.fingerprints.size(), t->geo.fingerprints);
      break;
    case RawKind::kUser:
      AppendUserFingerprints(t->user, t->user.fingerprints.size(), t->user.fingerprints);
      break;
  }
}

CleanPinTable CleanPins(RawPinTable&& raw, DedupWindow* window, CleanStats* stats) {
  const std::optional<RowIds> kept = Deduplicate(FingerprintsOf(raw, &PinFingerprints), window, stats);
  return CleanPinsKeeping(std::move(raw), kept ? &*kept : nullptr);
}

CleanPinTable CleanPinsKeeping(RawPinTable&& raw, const RowIds* keep) {
  CleanPinTable out;
  FilterVectorInPlace(raw.ind, keep);
  out.ind = std::move(raw.ind);
  FilterOnly(raw.unique_id, keep);
  out.unique_id = std::move(raw.unique_id);
  raw.title.FilterTrimInPlace(keep, kNullSentinels);
  out.title = std::move(raw.title);
  raw.description.FilterTrimInPlace(keep, kNullSentinels);
  out.description = std::move(raw.description);
  // follower_count: sentinels (all non-numeric) and bad formats -> null.
  const size_t n = out.ind.size();
  out.follower_count.values.resize(n);
  out.follower_count.valid.resize(n);
  for (size_t w = 0; w < n; ++w) {
    const size_t r = keep ? (*keep)[w] : w;
    std::optional<int32_t> v;
    if (raw.follower_count.IsValid(r)) v = ParseFollowerCount(raw.follower_count.Get(r));
    out.follower_count.values[w] = v.value_or(0);
    out.follower_count.valid[w] = v.has_value();
  }
  raw.follower_count.Release();
  raw.poster_name.FilterTrimInPlace(keep, kNullSentinels);
  out.poster_name = std::move(raw.poster_name);
  raw.tag_list.FilterTrimInPlace(keep, kNullSentinels);
  out.tag_list = std::move(raw.tag_list);
  FilterOnly(raw.is_image_or_video, keep);
  out.is_image_or_video = std::move(raw.is_image_or_video);
  raw.image_src.FilterTrimInPlace(keep, kNullSentinels);
  out.image_src = std::move(raw.image_src);
  raw.downloaded.Release();  // dropped
  raw.save_location.FilterTrimInPlace(keep, [](std::string_view v) {
    const std::string_view s = StripSaveLocation(v);
    return StringColumn::Trim{true, static_cast<uint32_t>(v.size() - s.size()),
                              static_cast<uint32_t>(s.size())};
  });
  out.save_location = std::move(raw.save_location);
  FilterOnly(raw.category, keep);
  out.category = std::move(raw.category);
  return out;
}

CleanGeoTable CleanGeos(RawGeoTable&& raw, DedupWindow* window, CleanStats* stats) {
  const std::optional<RowIds> kept = Deduplicate(FingerprintsOf(raw, &GeoFingerprints), window, stats);
  return CleanGeosKeeping(std::move(raw), kept ? &*kept : nullptr);
}

CleanGeoTable CleanGeosKeeping(RawGeoTable&& raw, const RowIds* keep) {
  CleanGeoTable out;
  FilterVectorInPlace(raw.ind, keep);
  out.ind = std::move(raw.ind);
  FilterOnly(raw.country, keep);
  out.country = std::move(raw.country);
  raw.latitude.FilterInPlace(keep);
  out.latitude = std::move(raw.latitude);
  raw.longitude.FilterInPlace(keep);
  out.longitude = std::move(raw.longitude);
  raw.timestamp.FilterInPlace(keep);
  out.timestamp = std::move(raw.timestamp);
  return out;
}

CleanUserTable CleanUsers(RawUserTable&& raw, DedupWindow* window, CleanStats* stats) {
  const std::optional<RowIds> kept = Deduplicate(FingerprintsOf(raw, &UserFingerprints), window, stats);
  return CleanUsersKeeping(std::move(raw), kept ? &*kept : nullptr);
}

CleanUserTable CleanUsersKeeping(RawUserTable&& raw, const RowIds* keep) {
  CleanUserTable out;
  FilterVectorInPlace(raw.ind, keep);
  out.ind = std::move(raw.ind);
  const size_t n = out.ind.size();
  out.user_name.Reserve(n, raw.first_name.bytes() + raw.last_name.bytes() + n);
  out.age.values.resize(n);
  out.age.valid.resize(n);
  for (size_t w = 0; w < n; ++w) {
    const size_t r = keep ? (*keep)[w] : w;
    // concat semantics: null when either part is null.
    if (raw.first_name.IsValid(r) && raw.last_name.IsValid(r)) {
      out.user_name.AppendConcat(raw.first_name.Get(r), " ", raw.last_name.Get(r));
    } else {
      out.user_name.AppendNull();
    }
    const bool age_ok = raw.age.IsValid(r) &&
                        raw.age.values[r] >= std::numeric_limits<int32_t>::min() &&
                        raw.age.values[r] <= std::numeric_limits<int32_t>::max();
    out.age.values[w] = age_ok ? static_cast<int32_t>(raw.age.values[r]) : 0;
    out.age.valid[w] = age_ok;
  }
  raw.first_name.Release();
  raw.last_name.Release();
  raw.age.Release();
  raw.date_joined.FilterInPlace(keep);
  out.date_joined = std::move(raw.date_joined);
  return out;
}

}  // namespace pinpipe::pinterest
