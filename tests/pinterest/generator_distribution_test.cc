// The generator against the figures of domain.md §1 (always) and against the original
// dumps in ../shared/data/pinterest-db (when present).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "pinterest/generator.h"
#include "pinterest/generator_vocabulary.h"

namespace pinpipe::pinterest {
namespace {

constexpr int64_t kRows = 11154;

struct Stats {
  std::map<std::string, double> category, kind, format, country;
  std::map<int, double> join_year, ts_year;
  double downloaded = 0, story = 0, desc_story = 0, desc_none = 0, img_err = 0, no_tags = 0,
         no_title = 0, poster_err = 0, lat_below_60 = 0, desc_ellipsis = 0, title_non_ascii = 0;
  std::vector<int> ages;
  std::vector<size_t> title_len, desc_len, poster_len, tag_len;
  std::set<std::tuple<double, double, std::string>> places;
  std::set<std::tuple<std::string, std::string, int, std::string>> persons;
  std::set<std::string> uuids;
  int64_t n = 0;
};

bool NonAscii(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

// Length in characters (code points), as Python's len().
size_t Chars(const std::string& s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

template <typename T>
T Median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

std::string Format(const std::string& f) {
  if (f == kUserInfoError) return "error";
  if (!f.empty() && f.back() == 'k') return "k";
  if (!f.empty() && f.back() == 'M') return "M";
  return "digits";
}

Stats Generate(uint64_t seed) {
  DatasetGenerator gen({.seed = seed, .rows = kRows});
  GeneratedRow r;
  Stats s;
  int64_t expect = 0;
  while (!gen.Done()) {
    gen.Next(&r);
    EXPECT_EQ(r.pin.index, expect);
    EXPECT_EQ(r.geo.ind, expect);
    EXPECT_EQ(r.user.ind, expect);
    ++expect;
    const auto& p = r.pin;
    s.n++;
    s.category[std::string(p.category)]++;
    EXPECT_EQ(p.save_location, "Local save in /data/" + std::string(p.category));
    s.kind[std::string(p.is_image_or_video)]++;
    s.format[Format(p.follower_count)]++;
    s.downloaded += p.downloaded;
    s.desc_story += p.description == kNoDescriptionStory;
    s.desc_none += p.description == kNoDescription;
    s.img_err += p.image_src == kImageSrcError;
    s.no_tags += p.tag_list == kNoTags;
    s.no_title += p.title == kNoTitle;
    s.poster_err += p.poster_name == kUserInfoError;
    s.story += p.title == kNoTitle && p.description == kNoDescriptionStory &&
               p.poster_name == kUserInfoError && p.follower_count == kUserInfoError &&
               p.tag_list == kNoTags && p.image_src == kImageSrcError;
    if (p.title != kNoTitle) {
      s.title_len.push_back(Chars(p.title));
      s.title_non_ascii += NonAscii(p.title);
    }
    if (p.description != kNoDescriptionStory && p.description != kNoDescription) {
      s.desc_len.push_back(Chars(p.description));
      std::string d = p.description;
      if (d.ends_with("\xC2\xA0")) d.resize(d.size() - 2);
      s.desc_ellipsis += d.ends_with("\xE2\x80\xA6");
    }
    if (p.poster_name != kUserInfoError) s.poster_len.push_back(Chars(p.poster_name));
    if (p.tag_list != kNoTags) s.tag_len.push_back(Chars(p.tag_list));
    EXPECT_EQ(p.unique_id.size(), 36u);
    EXPECT_EQ(p.unique_id[14], '4');
    s.uuids.insert(p.unique_id);
    if (p.image_src != kImageSrcError) {
      EXPECT_TRUE(p.image_src.starts_with("https://i.pinimg.com/")) << p.image_src;
    }
    s.country[std::string(r.geo.country)]++;
    s.lat_below_60 += r.geo.latitude < -60;
    EXPECT_GE(r.geo.latitude, -90);
    EXPECT_LE(r.geo.latitude, 90);
    EXPECT_GE(r.geo.longitude, -180);
    EXPECT_LE(r.geo.longitude, 180);
    EXPECT_GE(r.geo.timestamp, "2017-10-19 00:00:00");
    EXPECT_LE(r.geo.timestamp, "2022-10-19 23:59:59");
    s.ts_year[std::stoi(r.geo.timestamp.substr(0, 4))]++;
    s.join_year[std::stoi(r.user.date_joined.substr(0, 4))]++;
    EXPECT_GE(r.user.date_joined, "2015-10-21 00:00:00");
    EXPECT_LE(r.user.date_joined, "2017-10-20 23:59:59");
    EXPECT_GE(r.user.age, 20);
    EXPECT_LE(r.user.age, 60);
    s.ages.push_back(r.user.age);
    s.places.emplace(r.geo.latitude, r.geo.longitude, std::string(r.geo.country));
    s.persons.emplace(std::string(r.user.first_name), std::string(r.user.last_name), r.user.age,
                      r.user.date_joined);
  }
  return s;
}

double Pct(double count, int64_t n) { return 100.0 * count / n; }

std::vector<std::string> TopCountries(const std::map<std::string, double>& c, size_t k) {
  std::vector<std::pair<double, std::string>> v;
  for (const auto& [name, n] : c) v.emplace_back(-n, name);
  std::sort(v.begin(), v.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < k && i < v.size(); ++i) out.push_back(v[i].second);
  return out;
}

TEST(GeneratorTest, IsDeterministic) {
  DatasetGenerator a({.seed = 7, .rows = 100}), b({.seed = 7, .rows = 100}),
      c({.seed = 8, .rows = 100});
  GeneratedRow ra, rb, rc;
  bool differs = false;
  while (!a.Done()) {
    a.Next(&ra);
    b.Next(&rb);
    c.Next(&rc);
    EXPECT_EQ(ra.pin.unique_id, rb.pin.unique_id);
    EXPECT_EQ(ra.pin.title, rb.pin.title);
    EXPECT_EQ(ra.geo.timestamp, rb.geo.timestamp);
    EXPECT_EQ(ra.user.first_name, rb.user.first_name);
    differs |= ra.pin.unique_id != rc.pin.unique_id;
  }
  EXPECT_TRUE(differs);
}

TEST(GeneratorTest, MatchesTheDocumentedDistributions) {
  const Stats s = Generate(42);
  const int64_t n = s.n;
  ASSERT_EQ(n, kRows);
  // Categories: exactly 13, shares within 1.5 pp.
  ASSERT_EQ(s.category.size(), 13u);
  for (const auto& c : Categories()) {
    EXPECT_NEAR(Pct(s.category.at(std::string(c.name)), n), c.share * 100, 1.5) << c.name;
  }
  EXPECT_NEAR(Pct(s.kind.at("image"), n), 89.1, 1.5);
  EXPECT_NEAR(Pct(s.kind.at(std::string(kStoryFormat)), n), 7.9, 1.0);
  EXPECT_NEAR(Pct(s.kind.at("video"), n), 3.0, 1.0);
  EXPECT_NEAR(Pct(s.downloaded, n), 97.4, 1.0);
  // follower_count formats within 2 pp.
  EXPECT_NEAR(Pct(s.format.at("k"), n), 68.3, 2);
  EXPECT_NEAR(Pct(s.format.at("digits"), n), 22.9, 2);
  EXPECT_NEAR(Pct(s.format.at("M"), n), 7.7, 2);
  EXPECT_NEAR(Pct(s.format.at("error"), n), 0.67, 2);
  // Sentinels within 1 pp.
  EXPECT_NEAR(Pct(s.desc_story, n), 7.4, 1);
  EXPECT_NEAR(Pct(s.desc_none, n), 1.5, 1);
  EXPECT_NEAR(Pct(s.img_err, n), 2.3, 1);
  EXPECT_NEAR(Pct(s.no_tags, n), 1.4, 1);
  EXPECT_NEAR(Pct(s.no_title, n), 0.7, 1);
  EXPECT_NEAR(Pct(s.poster_err, n), 0.7, 1);
  EXPECT_NEAR(Pct(s.story, n), 0.7, 0.4);
  EXPECT_GT(s.story, 0);
  // Strings.
  EXPECT_NEAR(static_cast<double>(Median(s.title_len)), 50, 8);
  EXPECT_LE(*std::max_element(s.title_len.begin(), s.title_len.end()), 199u);
  EXPECT_NEAR(Pct(s.title_non_ascii, static_cast<int64_t>(s.title_len.size())), 10, 3);
  EXPECT_NEAR(static_cast<double>(Median(s.desc_len)), 147, 15);
  EXPECT_LE(*std::max_element(s.desc_len.begin(), s.desc_len.end()), 201u);
  EXPECT_NEAR(Pct(s.desc_ellipsis, static_cast<int64_t>(s.desc_len.size())), 37, 4);
  EXPECT_NEAR(static_cast<double>(Median(s.poster_len)), 16, 5);
  EXPECT_LE(*std::max_element(s.poster_len.begin(), s.poster_len.end()), 268u);
  EXPECT_NEAR(static_cast<double>(Median(s.tag_len)), 151, 20);
  EXPECT_EQ(s.uuids.size(), static_cast<size_t>(n));
  // Geo.
  EXPECT_EQ(s.country.size() > 200, true);
  EXPECT_EQ(TopCountries(s.country, 5),
            (std::vector<std::string>{"Albania", "Algeria", "Afghanistan", "Aruba",
                                      "American Samoa"}));
  EXPECT_NEAR(Pct(s.lat_below_60, n), 51, 4);
  const std::map<int, double> ts_year = {{2017, 3.9}, {2018, 20.8}, {2019, 19.7},
                                         {2020, 19.5}, {2021, 19.8}, {2022, 16.4}};
  for (const auto& [y, share] : ts_year) EXPECT_NEAR(Pct(s.ts_year.at(y), n), share, 2) << y;
  EXPECT_NEAR(static_cast<double>(s.places.size()), 5307, 400);
  // User.
  const int median_age = Median(s.ages);
  EXPECT_GE(median_age, 24);
  EXPECT_LE(median_age, 28);
  EXPECT_NEAR(Pct(static_cast<double>(std::count(s.ages.begin(), s.ages.end(), 20)), n), 19, 3);
  EXPECT_NEAR(Pct(s.join_year.at(2015), n), 40, 3);
  EXPECT_NEAR(Pct(s.join_year.at(2016), n), 43, 3);
  EXPECT_NEAR(Pct(s.join_year.at(2017), n), 17, 3);
  EXPECT_NEAR(static_cast<double>(s.persons.size()), 5307, 400);
}

TEST(GeneratorTest, OtherSeedsStayInRange) {
  for (uint64_t seed : {1ULL, 2ULL, 12345ULL}) {
    const Stats s = Generate(seed);
    for (const auto& c : Categories()) {
      EXPECT_NEAR(Pct(s.category.at(std::string(c.name)), s.n), c.share * 100, 1.5);
    }
    EXPECT_NEAR(Pct(s.format.at("k"), s.n), 68.3, 3) << seed;
    EXPECT_EQ(TopCountries(s.country, 1)[0], "Albania") << seed;
  }
}

// --- comparison with the original dumps -------------------------------------------

std::filesystem::path DumpDir() {
  return std::filesystem::path(PINPIPE_SHARED_DATA_DIR) / "pinterest-db";
}

std::vector<std::vector<std::string>> ReadCsv(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    rows.push_back(f);
  }
  return rows;
}

TEST(GeneratorTest, ComparesWithTheOriginalDumps) {
  if (!std::filesystem::exists(DumpDir() / "geolocation_data.csv")) {
    GTEST_SKIP() << "shared data not present: " << DumpDir();
  }
  const Stats s = Generate(42);
  // geolocation_data.csv: ind,timestamp,latitude,longitude,country
  const auto geo = ReadCsv(DumpDir() / "geolocation_data.csv");
  ASSERT_EQ(geo.size(), static_cast<size_t>(kRows));
  std::map<std::string, double> countries;
  std::map<int, double> years;
  double below = 0;
  for (const auto& r : geo) {
    countries[r[4]]++;
    years[std::stoi(r[1].substr(0, 4))]++;
    below += std::stod(r[2]) < -60;
  }
  EXPECT_EQ(TopCountries(s.country, 5), TopCountries(countries, 5));
  EXPECT_EQ(s.country.size() <= countries.size(), true);
  EXPECT_NEAR(Pct(s.lat_below_60, s.n), Pct(below, kRows), 4);
  for (const auto& [y, c] : years) EXPECT_NEAR(Pct(s.ts_year.at(y), s.n), Pct(c, kRows), 2) << y;
  // user_data.csv: ind,first_name,last_name,age,date_joined
  const auto users = ReadCsv(DumpDir() / "user_data.csv");
  ASSERT_EQ(users.size(), static_cast<size_t>(kRows));
  std::vector<int> ages;
  std::map<int, double> joined;
  for (const auto& r : users) {
    ages.push_back(std::stoi(r[3]));
    joined[std::stoi(r[4].substr(0, 4))]++;
  }
  EXPECT_NEAR(Median(s.ages), Median(ages), 2);
  for (const auto& [y, c] : joined) {
    EXPECT_NEAR(Pct(s.join_year.at(y), s.n), Pct(c, kRows), 3) << y;
  }
  // pinterest_data.partial.jsonl: categories and follower formats of the 4,360 rows.
  std::ifstream in(DumpDir() / "pinterest_data.partial.jsonl");
  std::map<std::string, double> fmt;
  double total = 0;
  for (std::string line; std::getline(in, line);) {
    const auto at = line.find("\"follower_count\": ");
    if (at == std::string::npos) continue;
    std::string v = line.substr(at + 18);
    if (v.starts_with("null")) continue;
    v = v.substr(1, v.find('"', 1) - 1);
    fmt[Format(v)]++;
    total++;
  }
  for (const auto& [f, c] : fmt) {
    EXPECT_NEAR(Pct(s.format.at(f), s.n), 100.0 * c / total, 2) << f;
  }
}

}  // namespace
}  // namespace pinpipe::pinterest
