#include "live/live_analytics.h"

#include <algorithm>
#include <tuple>

#include "pinterest/age_group.h"
#include "pinterest/analytics.h"
#include "pinterest/timestamp.h"

namespace pinpipe::live {

using pinterest::ColumnType;
using pinterest::MedianMode;
using pinterest::ResultColumn;
using pinterest::ResultTable;

namespace {

constexpr uint32_t kNull = StringIntern::kNullId;
constexpr int32_t kFirstPostYear = 2018, kLastPostYear = 2022;
constexpr int32_t kFirstJoinYear = 2015, kLastJoinYear = 2020;

uint64_t Pack(uint32_t hi, uint32_t lo) { return (static_cast<uint64_t>(hi) << 32) | lo; }
uint32_t High(uint64_t k) { return static_cast<uint32_t>(k >> 32); }
uint32_t Low(uint64_t k) { return static_cast<uint32_t>(k); }

uint32_t InternOrNull(StringIntern& dict, const pinterest::StringColumn& col, size_t row) {
  return col.IsValid(row) ? dict.Intern(col.Get(row)) : kNull;
}

int32_t YearOrNone(const pinterest::TimestampColumn& ts, size_t row, int32_t none) {
  return ts.IsValid(row) ? pinterest::YearOfMicros(ts.values[row]) : none;
}

// RANK() = 1 per group of a (group, item) -> count map: every item at its group's maximum.
struct TopEntry {
  uint32_t group, item;
  int64_t count;
};
std::vector<TopEntry> TopWithTies(const pinterest::FlatMap64<int64_t>& counts) {
  pinterest::FlatMap64<int64_t> best(64);
  counts.ForEach([&](uint64_t key, int64_t c) {
    int64_t& b = best[High(key)];
    b = std::max(b, c);
  });
  std::vector<TopEntry> out;
  counts.ForEach([&](uint64_t key, int64_t c) {
    if (c == *best.Find(High(key))) out.push_back({High(key), Low(key), c});
  });
  return out;
}

void PushMedian(ResultColumn& col, const CountedMedian& m, MedianMode mode) {
  if (mode == MedianMode::kLower) {
    auto v = m.Lower();
    v ? col.PushInt(*v) : col.PushNull();
  } else {
    auto v = m.Interpolated();
    v ? col.PushDouble(*v) : col.PushNull();
  }
}

}  // namespace

LiveAnalytics::LiveAnalytics(JoinStoreOptions store) : store_(std::move(store)) {}

// The three kinds as JoinEntry (24 bytes on disk) and back.
void LiveAnalytics::AddPins(const pinterest::CleanPinTable& t, size_t begin, size_t end) {
  end = std::min(end, t.size());
  for (size_t r = begin; r < end; ++r) {
    const bool has_f = t.follower_count.IsValid(r);
    const Pin p{InternOrNull(categories_, t.category, r), InternOrNull(posters_, t.poster_name, r),
                has_f ? t.follower_count.values[r] : 0, has_f};
    const JoinEntry e{t.ind[r], p.category, p.poster, p.followers, kPin, static_cast<uint8_t>(has_f), 0};
    store_.Add(
        e, [](uint8_t kind) { return kind != kPin; },
        [&](const JoinEntry& x) {
          if (x.kind == kGeo) JoinPinGeo(p, Geo{x.a, x.c});
          else JoinPinUser(p, User{static_cast<int8_t>(x.flag), x.c});
        });
    ++counts_.pins;
  }
}

void LiveAnalytics::AddGeos(const pinterest::CleanGeoTable& t, size_t begin, size_t end) {
  end = std::min(end, t.size());
  for (size_t r = begin; r < end; ++r) {
    const Geo g{InternOrNull(countries_, t.country, r), YearOrNone(t.timestamp, r, kNoYear)};
    if (g.country != kNull && g.country >= q3_.size()) q3_.resize(g.country + 1);
    const JoinEntry e{t.ind[r], g.country, 0, g.year, kGeo, 0, 0};
    store_.Add(
        e, [](uint8_t kind) { return kind == kPin; },
        [&](const JoinEntry& x) { JoinPinGeo(Pin{x.a, x.b, x.c, x.flag != 0}, g); });
    ++counts_.geos;
  }
}

void LiveAnalytics::AddUsers(const pinterest::CleanUserTable& t, size_t begin, size_t end) {
  end = std::min(end, t.size());
  for (size_t r = begin; r < end; ++r) {
    const int group = t.age.IsValid(r) ? pinterest::AgeGroupOf(t.age.values[r]) : pinterest::kNoAgeGroup;
    const User u{static_cast<int8_t>(group), YearOrNone(t.date_joined, r, kNoYear)};
    // Q6 needs no join: distinct non-null names per joining year.
    if (u.year >= kFirstJoinYear && u.year <= kLastJoinYear) {
      const size_t slot = static_cast<size_t>(u.year - kFirstJoinYear);
      q6_present_[slot] = 1;
      if (t.user_name.IsValid(r)) {
        uint8_t& seen = q6_seen_[Pack(static_cast<uint32_t>(u.year), user_names_.Intern(t.user_name.Get(r)))];
        if (!seen) {
          seen = 1;
          ++q6_joined_[slot];
        }
      }
    }
    const JoinEntry e{t.ind[r], 0, 0, u.year, kUser, static_cast<uint8_t>(u.group), 0};
    store_.Add(
        e, [](uint8_t kind) { return kind == kPin; },
        [&](const JoinEntry& x) { JoinPinUser(Pin{x.a, x.b, x.c, x.flag != 0}, u); });
    ++counts_.users;
  }
}

void LiveAnalytics::JoinPinGeo(const Pin& p, const Geo& g) {
  ++counts_.pin_geo_pairs;
  if (p.category != kNull) {
    if (g.country != kNull) ++q1_[Pack(g.country, p.category)];
    if (g.year >= kFirstPostYear && g.year <= kLastPostYear) ++q2_[Pack(static_cast<uint32_t>(g.year), p.category)];
  }
  if (g.country != kNull && p.has_followers) {
    TopFollowers& top = q3_[g.country];
    if (p.followers > top.max) {  // max starts at -1 (TopFollowers), as the batch's
      top.max = p.followers;
      top.names.assign(1, p.poster);
    } else if (p.followers == top.max &&
               std::find(top.names.begin(), top.names.end(), p.poster) == top.names.end()) {
      top.names.push_back(p.poster);
    }
  }
}

void LiveAnalytics::JoinPinUser(const Pin& p, const User& u) {
  ++counts_.pin_user_pairs;
  if (u.group != pinterest::kNoAgeGroup) {
    const auto g = static_cast<size_t>(u.group);
    if (p.category != kNull) ++q4_[Pack(static_cast<uint32_t>(u.group), p.category)];
    q5_present_[g] = 1;
    if (p.has_followers) q5_[g].Add(p.followers);
    if (u.year != kNoYear) {
      CountedMedian& m = Q8Median(u.group, u.year);
      if (p.has_followers) m.Add(p.followers);
    }
  }
  if (u.year >= kFirstJoinYear && u.year <= kLastJoinYear) {
    const auto y = static_cast<size_t>(u.year - kFirstJoinYear);
    q7_present_[y] = 1;
    if (p.has_followers) q7_[y].Add(p.followers);
  }
}

CountedMedian& LiveAnalytics::Q8Median(int group, int32_t year) {
  const uint64_t key = Pack(static_cast<uint32_t>(group), static_cast<uint32_t>(year));
  uint32_t& slot = q8_slot_[key];
  if (slot == 0) {  // stored +1: 0 means new
    q8_keys_.push_back(key);
    q8_.emplace_back();
    slot = static_cast<uint32_t>(q8_keys_.size());
  }
  return q8_[slot - 1];
}

ResultTable LiveAnalytics::CategoryByCountry() const {
  auto top = TopWithTies(q1_);
  std::sort(top.begin(), top.end(), [&](const TopEntry& a, const TopEntry& b) {
    return std::tuple(countries_.Value(a.group), categories_.Value(a.item)) <
           std::tuple(countries_.Value(b.group), categories_.Value(b.item));
  });
  ResultTable t = pinterest::EmptyAnalyticsTable(0, MedianMode::kLower);
  for (const auto& e : top) {
    t.columns[0].PushString(countries_.Value(e.group));
    t.columns[1].PushString(categories_.Value(e.item));
    t.columns[2].PushInt(e.count);
  }
  return t;
}

ResultTable LiveAnalytics::CategoryByYear() const {
  auto top = TopWithTies(q2_);
  std::sort(top.begin(), top.end(), [&](const TopEntry& a, const TopEntry& b) {
    return std::tuple(static_cast<int32_t>(a.group), categories_.Value(a.item)) <
           std::tuple(static_cast<int32_t>(b.group), categories_.Value(b.item));
  });
  ResultTable t = pinterest::EmptyAnalyticsTable(1, MedianMode::kLower);
  for (const auto& e : top) {
    t.columns[0].PushInt(static_cast<int32_t>(e.group));
    t.columns[1].PushString(categories_.Value(e.item));
    t.columns[2].PushInt(e.count);
  }
  return t;
}

ResultTable LiveAnalytics::TopUserByCountry(ResultTable* top_country) const {
  struct Top {
    std::string_view country;
    bool has_name;
    std::string_view name;
    int64_t followers;
  };
  std::vector<Top> tops;
  for (uint32_t c = 0; c < q3_.size(); ++c) {
    // As the batch: the maximum starts at -1, so a count of -1 ties with it and others below
    // never enter; a country with no name at its maximum has no row.
    for (uint32_t n : q3_[c].names) {
      const bool has = n != kNull;
      tops.push_back({countries_.Value(c), has, has ? posters_.Value(n) : std::string_view(), q3_[c].max});
    }
  }
  std::sort(tops.begin(), tops.end(), [](const Top& a, const Top& b) {
    return std::tuple(a.country, a.has_name, a.name) < std::tuple(b.country, b.has_name, b.name);
  });
  ResultTable t = pinterest::EmptyAnalyticsTable(2, MedianMode::kLower);
  int64_t global_max = -1;
  for (const auto& e : tops) {
    t.columns[0].PushString(e.country);
    e.has_name ? t.columns[1].PushString(e.name) : t.columns[1].PushNull();
    t.columns[2].PushInt(e.followers);
    global_max = std::max(global_max, e.followers);
  }
  // Q3b: from Q3a, every country whose top user has the overall maximum.
  *top_country = pinterest::EmptyAnalyticsTable(3, MedianMode::kLower);
  const std::string_view* last = nullptr;
  for (const auto& e : tops) {
    if (e.followers != global_max || (last && *last == e.country)) continue;
    last = &e.country;
    top_country->columns[0].PushString(e.country);
    top_country->columns[1].PushInt(e.followers);
  }
  return t;
}

ResultTable LiveAnalytics::CategoryByAgeGroup() const {
  auto top = TopWithTies(q4_);
  std::sort(top.begin(), top.end(), [&](const TopEntry& a, const TopEntry& b) {
    return std::tuple(pinterest::AgeGroupName(static_cast<int>(a.group)), categories_.Value(a.item)) <
           std::tuple(pinterest::AgeGroupName(static_cast<int>(b.group)), categories_.Value(b.item));
  });
  ResultTable t = pinterest::EmptyAnalyticsTable(4, MedianMode::kLower);
  for (const auto& e : top) {
    t.columns[0].PushString(pinterest::AgeGroupName(static_cast<int>(e.group)));
    t.columns[1].PushString(categories_.Value(e.item));
    t.columns[2].PushInt(e.count);
  }
  return t;
}

ResultTable LiveAnalytics::MedianByAgeGroup(MedianMode mode) const {
  ResultTable t = pinterest::EmptyAnalyticsTable(5, mode);
  std::array<int, pinterest::kAgeGroupCount> order{0, 1, 2, 3};
  std::sort(order.begin(), order.end(),
            [](int a, int b) { return pinterest::AgeGroupName(a) < pinterest::AgeGroupName(b); });
  for (int g : order) {
    if (!q5_present_[static_cast<size_t>(g)]) continue;
    t.columns[0].PushString(pinterest::AgeGroupName(g));
    PushMedian(t.columns[1], q5_[static_cast<size_t>(g)], mode);
  }
  return t;
}

ResultTable LiveAnalytics::UsersJoinedByYear() const {
  ResultTable t = pinterest::EmptyAnalyticsTable(6, MedianMode::kLower);
  for (size_t s = 0; s < q6_joined_.size(); ++s) {
    if (!q6_present_[s]) continue;
    t.columns[0].PushInt(kFirstJoinYear + static_cast<int32_t>(s));
    t.columns[1].PushInt(q6_joined_[s]);
  }
  return t;
}

ResultTable LiveAnalytics::MedianByJoinYear(MedianMode mode) const {
  ResultTable t = pinterest::EmptyAnalyticsTable(7, mode);
  for (size_t s = 0; s < q7_.size(); ++s) {
    if (!q7_present_[s]) continue;
    t.columns[0].PushInt(kFirstJoinYear + static_cast<int32_t>(s));
    PushMedian(t.columns[1], q7_[s], mode);
  }
  return t;
}

ResultTable LiveAnalytics::MedianByAgeGroupAndJoinYear(MedianMode mode) const {
  ResultTable t = pinterest::EmptyAnalyticsTable(8, mode);
  std::vector<uint32_t> order(q8_keys_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  auto key = [&](uint32_t i) {
    return std::tuple(pinterest::AgeGroupName(static_cast<int>(High(q8_keys_[i]))),
                      static_cast<int32_t>(Low(q8_keys_[i])));
  };
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return key(a) < key(b); });
  for (uint32_t i : order) {
    t.columns[0].PushString(pinterest::AgeGroupName(static_cast<int>(High(q8_keys_[i]))));
    t.columns[1].PushInt(static_cast<int32_t>(Low(q8_keys_[i])));
    PushMedian(t.columns[2], q8_[i], mode);
  }
  return t;
}

ResultTable LiveAnalytics::Result(size_t index, MedianMode mode) const {
  ResultTable unused;
  switch (index) {
    case 0: return CategoryByCountry();
    case 1: return CategoryByYear();
    case 2: return TopUserByCountry(&unused);
    case 3: TopUserByCountry(&unused); return unused;
    case 4: return CategoryByAgeGroup();
    case 5: return MedianByAgeGroup(mode);
    case 6: return UsersJoinedByYear();
    case 7: return MedianByJoinYear(mode);
    case 8: return MedianByAgeGroupAndJoinYear(mode);
  }
  return {};
}

std::vector<ResultTable> LiveAnalytics::Results(MedianMode mode) const {
  std::vector<ResultTable> out(9);
  out[0] = CategoryByCountry();
  out[1] = CategoryByYear();
  out[2] = TopUserByCountry(&out[3]);
  out[4] = CategoryByAgeGroup();
  out[5] = MedianByAgeGroup(mode);
  out[6] = UsersJoinedByYear();
  out[7] = MedianByJoinYear(mode);
  out[8] = MedianByAgeGroupAndJoinYear(mode);
  return out;
}

}  // namespace pinpipe::live
