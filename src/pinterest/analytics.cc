#include "pinterest/analytics.h"

#include <algorithm>
#include <array>
#include <thread>
#include <tuple>

#include "pinterest/age_group.h"
#include "pinterest/flat_hash.h"
#include "pinterest/join_index.h"
#include "pinterest/string_dict.h"
#include "pinterest/timestamp.h"

namespace pinpipe::pinterest {

namespace {

constexpr uint32_t kNull = StringDict::kNullId;
constexpr int32_t kNoYear = INT32_MIN;

uint64_t Pack(uint32_t hi, uint32_t lo) { return (static_cast<uint64_t>(hi) << 32) | lo; }
uint32_t High(uint64_t k) { return static_cast<uint32_t>(k >> 32); }
uint32_t Low(uint64_t k) { return static_cast<uint32_t>(k); }

std::vector<int32_t> Years(const TimestampColumn& ts) {
  std::vector<int32_t> years(ts.size());
  for (size_t i = 0; i < ts.size(); ++i)
    years[i] = ts.IsValid(i) ? YearOfMicros(ts.values[i]) : kNoYear;
  return years;
}

// RANK() = 1 per group over (group, item) -> count: every item whose count equals its
// group's maximum.
struct TopEntry {
  uint32_t group, item;
  int64_t count;
};
std::vector<TopEntry> TopWithTies(const FlatMap64<int64_t>& counts) {
  FlatMap64<int64_t> best(64);
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

ResultTable MakeTable(std::string_view name, std::string_view title,
                      std::initializer_list<std::pair<std::string_view, ColumnType>> cols) {
  ResultTable t;
  t.name = name;
  t.title = title;
  for (auto& [n, type] : cols) t.columns.emplace_back(std::string(n), type);
  return t;
}

// Median accumulator: values per group (group ids are dense), presence per group.
struct MedianGroups {
  std::vector<std::vector<int32_t>> values;
  std::vector<uint8_t> present;
  void Resize(size_t n) {
    values.resize(n);
    present.resize(n, 0);
  }
  void Add(size_t g, const Int32Column& fc, uint32_t row) {
    present[g] = 1;
    if (fc.IsValid(row)) values[g].push_back(fc.values[row]);
  }
};

void PushMedian(ResultColumn& col, std::vector<int32_t>& values, MedianMode mode) {
  if (mode == MedianMode::kLower) {
    auto m = LowerMedian(values);
    m ? col.PushInt(*m) : col.PushNull();
  } else {
    auto m = InterpolatedMedian(values);
    m ? col.PushDouble(*m) : col.PushNull();
  }
}

ColumnType MedianType(MedianMode mode) {
  return mode == MedianMode::kLower ? ColumnType::kInt : ColumnType::kDouble;
}

struct CategoryKeys {
  StringDict dict;
  std::vector<uint32_t> ids;  // per pin row
};

// Q1, Q2, Q3a, Q3b: pin ⋈ geo.
void GeoQuestions(const CleanPinTable& pin, const CleanGeoTable& geo, const CategoryKeys& cat,
                  ResultTable* q1, ResultTable* q2, ResultTable* q3a, ResultTable* q3b) {
  StringDict countries(512);
  const std::vector<uint32_t> country = countries.Encode(geo.country);
  const std::vector<int32_t> year = Years(geo.timestamp);
  const JoinPairs pairs = JoinIndex(geo.ind).Probe(pin.ind);

  FlatMap64<int64_t> by_country(4096), by_year(256);
  std::vector<int64_t> max_followers(countries.size(), -1);
  for (size_t k = 0; k < pairs.size(); ++k) {
    const uint32_t p = pairs.left[k], g = pairs.right[k];
    const uint32_t c = country[g], cg = cat.ids[p];
    if (cg != kNull) {
      if (c != kNull) ++by_country[Pack(c, cg)];
      const int32_t y = year[g];
      if (y >= 2018 && y <= 2022) ++by_year[Pack(static_cast<uint32_t>(y), cg)];
    }
    if (c != kNull && pin.follower_count.IsValid(p))
      max_followers[c] = std::max<int64_t>(max_followers[c], pin.follower_count.values[p]);
  }

  // Q1
  {
    auto top = TopWithTies(by_country);
    std::sort(top.begin(), top.end(), [&](const TopEntry& a, const TopEntry& b) {
      return std::tuple(countries.Value(a.group), cat.dict.Value(a.item)) <
             std::tuple(countries.Value(b.group), cat.dict.Value(b.item));
    });
    *q1 = EmptyAnalyticsTable(0, MedianMode::kLower);
    for (const auto& e : top) {
      q1->columns[0].PushString(countries.Value(e.group));
      q1->columns[1].PushString(cat.dict.Value(e.item));
      q1->columns[2].PushInt(e.count);
    }
  }
  // Q2
  {
    auto top = TopWithTies(by_year);
    std::sort(top.begin(), top.end(), [&](const TopEntry& a, const TopEntry& b) {
      return std::tuple(a.group, cat.dict.Value(a.item)) <
             std::tuple(b.group, cat.dict.Value(b.item));
    });
    *q2 = EmptyAnalyticsTable(1, MedianMode::kLower);
    for (const auto& e : top) {
      q2->columns[0].PushInt(static_cast<int32_t>(e.group));
      q2->columns[1].PushString(cat.dict.Value(e.item));
      q2->columns[2].PushInt(e.count);
    }
  }
  // Q3a: distinct (country, poster_name) at the country's maximum follower count.
  struct Top {
    uint32_t country;
    bool has_name;
    std::string_view name;
    int32_t followers;
  };
  std::vector<Top> tops;
  for (size_t k = 0; k < pairs.size(); ++k) {
    const uint32_t p = pairs.left[k], g = pairs.right[k];
    const uint32_t c = country[g];
    if (c == kNull || !pin.follower_count.IsValid(p)) continue;
    if (pin.follower_count.values[p] != max_followers[c]) continue;
    const bool has = pin.poster_name.IsValid(p);
    tops.push_back({c, has, has ? pin.poster_name.Get(p) : std::string_view(),
                    pin.follower_count.values[p]});
  }
  auto key = [&](const Top& t) {
    return std::tuple(countries.Value(t.country), t.has_name, t.name);
  };
  std::sort(tops.begin(), tops.end(), [&](const Top& a, const Top& b) { return key(a) < key(b); });
  tops.erase(std::unique(tops.begin(), tops.end(),
                         [&](const Top& a, const Top& b) { return key(a) == key(b); }),
             tops.end());
  *q3a = EmptyAnalyticsTable(2, MedianMode::kLower);
  int64_t global_max = -1;
  for (const auto& t : tops) {
    q3a->columns[0].PushString(countries.Value(t.country));
    t.has_name ? q3a->columns[1].PushString(t.name) : q3a->columns[1].PushNull();
    q3a->columns[2].PushInt(t.followers);
    global_max = std::max<int64_t>(global_max, t.followers);
  }
  // Q3b: from Q3a, the countries whose top user has the most followers overall.
  *q3b = EmptyAnalyticsTable(3, MedianMode::kLower);
  uint32_t last = kNull;
  for (const auto& t : tops) {  // sorted by country: distinct countries are adjacent
    if (t.followers != global_max || t.country == last) continue;
    last = t.country;
    q3b->columns[0].PushString(countries.Value(t.country));
    q3b->columns[1].PushInt(t.followers);
  }
}

constexpr int32_t kFirstJoinYear = 2015, kLastJoinYear = 2020;
constexpr size_t kJoinYears = kLastJoinYear - kFirstJoinYear + 1;

// Q6: distinct non-null user names per joining year. On its own thread: it does not need the
// join, and interning every user name is a good share of the analytics' work. Names repeat
// (far fewer distinct names than users), so the dictionary starts small and grows: tables
// sized for every row were mostly empty, and each lookup missed the cache. A byte of year
// bits per name id says which years counted it already.
void UsersJoinedByYear(const CleanUserTable& user, ResultTable* q6) {
  static_assert(kJoinYears <= 8, "one bit per joining year in a byte");
  const std::vector<int32_t> year = Years(user.date_joined);
  StringDict names(1024);
  std::vector<uint8_t> counted_years;  // per name id
  std::array<int64_t, kJoinYears> joined{};
  std::array<uint8_t, kJoinYears> present{};
  for (size_t i = 0; i < user.size(); ++i) {
    const int32_t y = year[i];
    if (y < kFirstJoinYear || y > kLastJoinYear) continue;
    const size_t slot = static_cast<size_t>(y - kFirstJoinYear);
    present[slot] = 1;
    if (user.user_name.IsNull(i)) continue;
    const uint32_t id = names.Intern(user.user_name.Get(i));
    if (id >= counted_years.size()) counted_years.resize(id + 1, 0);
    const uint8_t bit = static_cast<uint8_t>(1u << slot);
    if (!(counted_years[id] & bit)) {
      counted_years[id] |= bit;
      ++joined[slot];
    }
  }
  *q6 = EmptyAnalyticsTable(6, MedianMode::kLower);
  for (size_t s = 0; s < kJoinYears; ++s) {
    if (!present[s]) continue;
    q6->columns[0].PushInt(kFirstJoinYear + static_cast<int32_t>(s));
    q6->columns[1].PushInt(joined[s]);
  }
}

// Q4, Q5, Q7, Q8: pin ⋈ user.
void UserQuestions(const CleanPinTable& pin, const CleanUserTable& user, const CategoryKeys& cat,
                   MedianMode mode, ResultTable* q4, ResultTable* q5, ResultTable* q7,
                   ResultTable* q8) {
  const std::vector<int32_t> year = Years(user.date_joined);
  std::vector<int8_t> group(user.size());
  for (size_t i = 0; i < user.size(); ++i)
    group[i] = static_cast<int8_t>(user.age.IsValid(i) ? AgeGroupOf(user.age.values[i])
                                                       : kNoAgeGroup);
  const JoinPairs pairs = JoinIndex(user.ind).Probe(pin.ind);
  FlatMap64<int64_t> by_group(256);
  MedianGroups q5_groups, q7_groups, q8_groups;
  q5_groups.Resize(kAgeGroupCount);
  q7_groups.Resize(kJoinYears);
  FlatMap64<uint32_t> q8_slot(64);  // (group, year) -> dense id
  std::vector<uint64_t> q8_keys;
  for (size_t k = 0; k < pairs.size(); ++k) {
    const uint32_t p = pairs.left[k], u = pairs.right[k];
    const int g = group[u];
    const int32_t y = year[u];
    if (g != kNoAgeGroup) {
      if (cat.ids[p] != kNull) ++by_group[Pack(static_cast<uint32_t>(g), cat.ids[p])];
      q5_groups.Add(static_cast<size_t>(g), pin.follower_count, p);
      if (y != kNoYear) {
        const uint64_t key = Pack(static_cast<uint32_t>(g), static_cast<uint32_t>(y));
        uint32_t& slot = q8_slot[key];
        if (slot == 0) {  // ids are stored +1 so that 0 means "new"
          q8_keys.push_back(key);
          q8_groups.Resize(q8_keys.size());
          slot = static_cast<uint32_t>(q8_keys.size());
        }
        q8_groups.Add(slot - 1, pin.follower_count, p);
      }
    }
    if (y >= kFirstJoinYear && y <= kLastJoinYear)
      q7_groups.Add(static_cast<size_t>(y - kFirstJoinYear), pin.follower_count, p);
  }

  // Q4
  {
    auto top = TopWithTies(by_group);
    std::sort(top.begin(), top.end(), [&](const TopEntry& a, const TopEntry& b) {
      return std::tuple(AgeGroupName(static_cast<int>(a.group)), cat.dict.Value(a.item)) <
             std::tuple(AgeGroupName(static_cast<int>(b.group)), cat.dict.Value(b.item));
    });
    *q4 = EmptyAnalyticsTable(4, MedianMode::kLower);
    for (const auto& e : top) {
      q4->columns[0].PushString(AgeGroupName(static_cast<int>(e.group)));
      q4->columns[1].PushString(cat.dict.Value(e.item));
      q4->columns[2].PushInt(e.count);
    }
  }
  // Q5, in age_group string order ("+50" sorts first).
  {
    *q5 = EmptyAnalyticsTable(5, mode);
    std::array<int, kAgeGroupCount> order{0, 1, 2, 3};
    std::sort(order.begin(), order.end(),
              [](int a, int b) { return AgeGroupName(a) < AgeGroupName(b); });
    for (int g : order) {
      if (!q5_groups.present[static_cast<size_t>(g)]) continue;
      q5->columns[0].PushString(AgeGroupName(g));
      PushMedian(q5->columns[1], q5_groups.values[static_cast<size_t>(g)], mode);
    }
  }
  // Q7
  {
    *q7 = EmptyAnalyticsTable(7, mode);
    for (size_t s = 0; s < kJoinYears; ++s) {
      if (!q7_groups.present[s]) continue;
      q7->columns[0].PushInt(kFirstJoinYear + static_cast<int32_t>(s));
      PushMedian(q7->columns[1], q7_groups.values[s], mode);
    }
  }
  // Q8
  {
    *q8 = EmptyAnalyticsTable(8, mode);
    std::vector<uint32_t> order(q8_keys.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    auto sort_key = [&](uint32_t i) {
      return std::tuple(AgeGroupName(static_cast<int>(High(q8_keys[i]))),
                        static_cast<int32_t>(Low(q8_keys[i])));
    };
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return sort_key(a) < sort_key(b); });
    for (uint32_t i : order) {
      q8->columns[0].PushString(AgeGroupName(static_cast<int>(High(q8_keys[i]))));
      q8->columns[1].PushInt(static_cast<int32_t>(Low(q8_keys[i])));
      PushMedian(q8->columns[2], q8_groups.values[i], mode);
    }
  }
}

}  // namespace

const std::vector<std::string_view>& AnalyticsTableNames() {
  static const std::vector<std::string_view> kNames = {
      "category_by_country",
      "category_by_year",
      "top_user_by_country",
      "top_country",
      "category_by_age_group",
      "median_followers_by_age_group",
      "users_joined_by_year",
      "median_followers_by_join_year",
      "median_followers_by_age_group_and_join_year",
  };
  return kNames;
}

ResultTable EmptyAnalyticsTable(size_t index, MedianMode mode) {
  switch (index) {
    case 0:
      return MakeTable("category_by_country", "Most popular category per country", {{"country", ColumnType::kString}, {"category", ColumnType::kString}, {"category_count", ColumnType::kLong}});
    case 1:
      return MakeTable("category_by_year", "Most popular category per year, 2018-2022", {{"post_year", ColumnType::kInt}, {"category", ColumnType::kString}, {"category_count", ColumnType::kLong}});
    case 2:
      return MakeTable("top_user_by_country", "User with the most followers per country", {{"country", ColumnType::kString}, {"poster_name", ColumnType::kString}, {"follower_count", ColumnType::kInt}});
    case 3:
      return MakeTable("top_country", "Country of the user with the most followers", {{"country", ColumnType::kString}, {"follower_count", ColumnType::kInt}});
    case 4:
      return MakeTable("category_by_age_group", "Most popular category per age group", {{"age_group", ColumnType::kString}, {"category", ColumnType::kString}, {"category_count", ColumnType::kLong}});
    case 5:
      return MakeTable("median_followers_by_age_group", "Median follower count per age group", {{"age_group", ColumnType::kString}, {"median_follower_count", MedianType(mode)}});
    case 6:
      return MakeTable("users_joined_by_year", "Users joined per year, 2015-2020", {{"post_year", ColumnType::kInt}, {"number_users_joined", ColumnType::kLong}});
    case 7:
      return MakeTable("median_followers_by_join_year", "Median follower count by joining year, 2015-2020", {{"post_year", ColumnType::kInt}, {"median_follower_count", MedianType(mode)}});
    case 8:
      return MakeTable("median_followers_by_age_group_and_join_year", "Median follower count by age group and joining year", {{"age_group", ColumnType::kString}, {"post_year", ColumnType::kInt}, {"median_follower_count", MedianType(mode)}});
  }
  return {};
}

std::vector<ResultTable> RunAnalytics(const CleanPinTable& pin, const CleanGeoTable& geo,
                                      const CleanUserTable& user,
                                      const AnalyticsOptions& options) {
  CategoryKeys cat{StringDict(64), {}};
  cat.ids = cat.dict.Encode(pin.category);
  std::vector<ResultTable> out(9);
  auto geo_side = [&] { GeoQuestions(pin, geo, cat, &out[0], &out[1], &out[2], &out[3]); };
  auto q6 = [&] { UsersJoinedByYear(user, &out[6]); };
  if (options.parallel) {
    std::thread t(geo_side), u(q6);
    UserQuestions(pin, user, cat, options.median, &out[4], &out[5], &out[7], &out[8]);
    t.join();
    u.join();
  } else {
    geo_side();
    q6();
    UserQuestions(pin, user, cat, options.median, &out[4], &out[5], &out[7], &out[8]);
  }
  return out;
}

}  // namespace pinpipe::pinterest
