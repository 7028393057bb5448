#include "pinterest/generator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "pinterest/generator_vocabulary.h"

namespace pinpipe::pinterest {
namespace {

// Stream ids: each kind of object draws from its own (seed, kind, id) stream, so a
// poster or a person is the same wherever it recurs, without being stored.
enum Stream : uint64_t { kRowStream = 1, kPosterStream = 2, kEntityStream = 3 };

// Shares of domain.md §1 (fractions of all rows).
constexpr double kStoryShare = 0.007;          // every text field a sentinel
constexpr double kMultiVideoShare = 0.072;     // + the story rows = 7.9%
constexpr double kVideoShare = 0.030;
constexpr double kStoryDescriptionInMulti = 0.93;  // -> 7.4% with the story rows
constexpr double kNoDescriptionShare = 0.015;
constexpr double kImageErrorShare = 0.016;     // + story rows = 2.3%
constexpr double kNotDownloadedExtra = 0.003;  // downloaded 0 = 2.6%
constexpr double kNoTagsShare = 0.007;         // + story rows = 1.4%
constexpr double kTruncatedDescription = 0.36;  // end with "…\u00a0"
constexpr double kPlainEllipsis = 0.008;
constexpr double kNonAsciiTitle = 0.10;
constexpr double kNonAsciiDescription = 0.08;
constexpr double kNonAsciiPoster = 0.023;
// Rows that repeat the previous row's person and place (the original has ~1.3%), and
// rows that introduce a new one: 5,307 distinct of 11,154.
constexpr double kRepeatPrevious = 0.013;
constexpr double kNewEntity = 0.482;
// Latitude/longitude skew towards -90/-180: x = lo + span * u^gamma (51% below -60).
constexpr double kCoordinateGamma = 2.7;

std::vector<double> Cdf(const auto& weights, auto weight_of) {
  std::vector<double> cdf;
  double total = 0;
  for (const auto& w : weights) total += weight_of(w);
  double acc = 0;
  for (const auto& w : weights) {
    acc += weight_of(w);
    cdf.push_back(acc / total);
  }
  cdf.back() = 1.0;
  return cdf;
}

size_t Pick(const std::vector<double>& cdf, double u) {
  return static_cast<size_t>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin()) %
         cdf.size();
}

template <typename T>
const T& PickUniform(std::span<const T> items, GenRng& rng) {
  return items[rng.Below(items.size())];
}

// 6 significant digits, as the original's coordinates have ("-88.8298", "-170.188").
double RoundSignificant(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return std::strtod(buf, nullptr);
}

void AppendUuid4(GenRng& rng, std::string* out) {
  uint8_t b[16];
  const uint64_t a = rng.Next(), c = rng.Next();
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<uint8_t>(a >> (8 * i));
    b[8 + i] = static_cast<uint8_t>(c >> (8 * i));
  }
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out->push_back('-');
    out->push_back(kHex[b[i] >> 4]);
    out->push_back(kHex[b[i] & 15]);
  }
}

// Cuts `s` to at most `n` bytes without splitting a UTF-8 sequence.
void TruncateUtf8(std::string* s, size_t n) {
  if (s->size() <= n) return;
  while (n > 0 && (static_cast<unsigned char>((*s)[n]) & 0xC0) == 0x80) --n;
  s->resize(n);
}

// Log-normal length around a median, clamped.
size_t LengthAround(GenRng& rng, double median, double sigma, size_t lo, size_t hi) {
  const double v = median * std::exp(sigma * rng.Normal());
  return std::clamp(static_cast<size_t>(v), lo, hi);
}

}  // namespace

int64_t UnixSeconds(int year, int month, int day, int hour, int minute, int second) {
  using namespace std::chrono;
  const sys_days d = year_month_day{std::chrono::year{year},
                                    std::chrono::month{static_cast<unsigned>(month)},
                                    std::chrono::day{static_cast<unsigned>(day)}};
  return d.time_since_epoch().count() * 86400LL + hour * 3600 + minute * 60 + second;
}

void FormatDateTime(int64_t t, std::string* out) {
  using namespace std::chrono;
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t secs = t - days * 86400;
  const year_month_day ymd{sys_days{std::chrono::days{days}}};
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d",
                              static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                              static_cast<unsigned>(ymd.day()), static_cast<int>(secs / 3600),
                              static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
  out->assign(buf, n);
}

DatasetGenerator::DatasetGenerator(GeneratorOptions options) : options_(options) {
  const auto cats = Categories();
  double total = 0;
  for (const auto& c : cats) total += c.share;
  double acc = 0;
  int64_t prev_end = 0;
  for (const auto& c : cats) {
    acc += c.share;
    const int64_t end = static_cast<int64_t>(std::llround(acc / total * options_.rows));
    category_end_.push_back(end);
    // Posters per category: about one per six rows, at least a handful.
    poster_pool_.push_back(static_cast<uint64_t>(std::max<int64_t>(8, (end - prev_end) / 6)));
    prev_end = end;
  }
  category_end_.back() = options_.rows;
  country_cdf_ = Cdf(Countries(), [](const WeightedName& w) { return double(w.weight); });
  age_cdf_ = Cdf(AgeWeights(), [](uint32_t w) { return double(w); });
  million_cdf_ = Cdf(MillionFollowerValues(), [](const WeightedName& w) { return double(w.weight); });
}

int DatasetGenerator::CategoryIndex(int64_t k) const {
  return static_cast<int>(std::upper_bound(category_end_.begin(), category_end_.end(), k) -
                          category_end_.begin()) %
         static_cast<int>(category_end_.size());
}

std::string_view DatasetGenerator::CategoryOf(int64_t k) const {
  return Categories()[CategoryIndex(k)].name;
}

void DatasetGenerator::Next(GeneratedRow* row) {
  const int64_t k = next_++;
  GenRng rng(MixSeed(options_.seed, kRowStream, static_cast<uint64_t>(k)));
  FillPin(k, rng, &row->pin);

  // Persons and places recur: most rows reuse an earlier one (uniformly), some repeat
  // the previous row's, about half introduce a new one.
  int64_t entity;
  if (prev_entity_ >= 0 && rng.Chance(kRepeatPrevious)) {
    entity = prev_entity_;
  } else if (entities_ == 0 || rng.Chance(kNewEntity)) {
    entity = entities_++;
  } else {
    entity = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(entities_)));
  }
  prev_entity_ = entity;
  FillEntity(entity, &row->geo, &row->user);
  row->geo.ind = k;
  row->user.ind = k;
  // Post timestamps are per row: uniform over 2017-10-19 .. 2022-10-19.
  static const int64_t kTsStart = UnixSeconds(2017, 10, 19);
  static const int64_t kTsEnd = UnixSeconds(2022, 10, 20);
  FormatDateTime(kTsStart + static_cast<int64_t>(rng.Below(kTsEnd - kTsStart)),
                 &row->geo.timestamp);
}

void DatasetGenerator::FillEntity(int64_t entity, GeneratedGeo* geo, GeneratedUser* user) {
  GenRng rng(MixSeed(options_.seed, kEntityStream, static_cast<uint64_t>(entity)));
  geo->country = Countries()[Pick(country_cdf_, rng.Uniform())].name;
  geo->latitude = RoundSignificant(-90.0 + 180.0 * std::pow(rng.Uniform(), kCoordinateGamma));
  geo->longitude =
      RoundSignificant(-180.0 + 360.0 * std::pow(rng.Uniform(), kCoordinateGamma));
  // Names skewed towards the start of the alphabet, like the original's.
  const auto firsts = FirstNames();
  const auto lasts = LastNames();
  user->first_name = firsts[static_cast<size_t>(firsts.size() * std::pow(rng.Uniform(), 1.6))];
  user->last_name = lasts[static_cast<size_t>(lasts.size() * std::pow(rng.Uniform(), 1.6))];
  user->age = 20 + static_cast<int>(Pick(age_cdf_, rng.Uniform()));
  // date_joined 2015-10-21 .. 2017-10-20: 40% / 43% / 17% per year.
  const double y = rng.Uniform();
  int64_t lo, hi;
  if (y < 0.40) {
    lo = UnixSeconds(2015, 10, 21), hi = UnixSeconds(2016, 1, 1);
  } else if (y < 0.83) {
    lo = UnixSeconds(2016, 1, 1), hi = UnixSeconds(2017, 1, 1);
  } else {
    lo = UnixSeconds(2017, 1, 1), hi = UnixSeconds(2017, 10, 21);
  }
  FormatDateTime(lo + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(hi - lo))),
                 &user->date_joined);
}

void DatasetGenerator::AppendTitleWords(int category, GenRng& rng, size_t target,
                                        std::string* out) {
  const auto words = Categories()[category].words;
  const auto common = CommonWords();
  while (out->size() < target) {
    if (!out->empty()) out->push_back(' ');
    out->append(rng.Chance(0.6) ? PickUniform(words, rng) : PickUniform(common, rng));
  }
}

void DatasetGenerator::AppendSentenceWords(int category, GenRng& rng, size_t target,
                                           std::string* out) {
  const auto words = Categories()[category].words;
  const auto filler = DescriptionWords();
  bool sentence_start = out->empty();
  while (out->size() < target) {
    if (!out->empty()) out->push_back(' ');
    std::string_view w = rng.Chance(0.25) ? PickUniform(words, rng) : PickUniform(filler, rng);
    if (sentence_start && !w.empty() && w[0] >= 'a' && w[0] <= 'z') {
      out->push_back(static_cast<char>(w[0] - 'a' + 'A'));
      out->append(w.substr(1));
    } else {
      out->append(w);
    }
    sentence_start = false;
    if (rng.Chance(0.08)) {
      out->push_back(rng.Chance(0.85) ? '.' : '!');
      sentence_start = true;
    } else if (rng.Chance(0.05)) {
      out->push_back(',');
    }
  }
}

void DatasetGenerator::MakePoster(int category, uint64_t j, std::string* name,
                                  std::string* followers) {
  GenRng rng(MixSeed(options_.seed, kPosterStream, (static_cast<uint64_t>(category) << 40) | j));
  name->clear();
  const auto words = Categories()[category].words;
  const double kind = rng.Uniform();
  if (kind < 0.45) {  // a person: "Kate Smith"
    name->append(PickUniform(FirstNames(), rng));
    name->push_back(' ');
    name->append(PickUniform(LastNames(), rng));
  } else if (kind < 0.83) {  // a brand: "Watercolor Brush Studio"
    name->append(PickUniform(words, rng));
    if (rng.Chance(0.5)) {
      name->push_back(' ');
      name->append(PickUniform(words, rng));
    }
    name->push_back(' ');
    name->append(PickUniform(PosterSuffixes(), rng));
  } else {  // a brand with a tagline: "Living Low Key | Save Money, Make Money, & ..."
    name->append(PickUniform(FirstNames(), rng));
    name->append("'s ");
    name->append(PickUniform(words, rng));
    name->append(" | ");
    const size_t target = rng.Chance(0.06) ? LengthAround(rng, 150, 0.4, 60, 268)
                                           : LengthAround(rng, 40, 0.3, 25, 80);
    while (name->size() < target) {
      name->append(PickUniform(words, rng));
      name->append(rng.Chance(0.7) ? ", " : " & ");
    }
    while (!name->empty() && (name->back() == ' ' || name->back() == ',' || name->back() == '&')) {
      name->pop_back();
    }
    TruncateUtf8(name, 268);
  }
  if (rng.Chance(kNonAsciiPoster)) {
    name->push_back(' ');
    name->append(PickUniform(NonAsciiWords(), rng));
  }

  // follower_count formats among non-story rows: <n>k 68.3, digits 22.9, <n>M 7.7.
  followers->clear();
  const double f = rng.Uniform() * 98.9;
  char buf[32];
  if (f < 68.3) {
    const int n = static_cast<int>(std::clamp(46.0 * std::exp(1.9 * rng.Normal()), 1.0, 991.0));
    std::snprintf(buf, sizeof buf, "%dk", n);
    followers->append(buf);
  } else if (f < 91.2) {
    int n;
    if (rng.Chance(0.04)) {
      n = 0;
    } else if (rng.Chance(0.01)) {
      n = 1000 + static_cast<int>(rng.Below(941000));
    } else {
      n = static_cast<int>(std::clamp(265.0 * std::exp(1.5 * rng.Normal()), 1.0, 999.0));
    }
    std::snprintf(buf, sizeof buf, "%d", n);
    followers->append(buf);
  } else {
    followers->append(MillionFollowerValues()[Pick(million_cdf_, rng.Uniform())].name);
  }
}

void DatasetGenerator::FillPin(int64_t k, GenRng& rng, GeneratedPin* pin) {
  const int cat = CategoryIndex(k);
  const CategoryVocabulary& vocab = Categories()[cat];
  pin->index = k;
  pin->category = vocab.name;
  pin->save_location.assign("Local save in /data/");
  pin->save_location.append(vocab.name);
  pin->unique_id.clear();
  AppendUuid4(rng, &pin->unique_id);

  const bool story = rng.Chance(kStoryShare);
  if (story) {
    pin->title.assign(kNoTitle);
    pin->description.assign(kNoDescriptionStory);
    pin->poster_name.assign(kUserInfoError);
    pin->follower_count.assign(kUserInfoError);
    pin->tag_list.assign(kNoTags);
    pin->is_image_or_video = kStoryFormat;
    pin->image_src.assign(kImageSrcError);
    pin->downloaded = 0;
    return;
  }

  const double kind = rng.Uniform() * (1.0 - kStoryShare);
  pin->is_image_or_video = kind < kMultiVideoShare                 ? kStoryFormat
                           : kind < kMultiVideoShare + kVideoShare ? std::string_view("video")
                                                                   : std::string_view("image");

  // Poster: popular ones recur (skewed pick from the category's pool).
  const uint64_t pool = poster_pool_[cat];
  const uint64_t j = static_cast<uint64_t>(pool * std::pow(rng.Uniform(), 1.4)) % pool;
  MakePoster(cat, j, &pin->poster_name, &pin->follower_count);

  // Title: median 50 characters, at most 199.
  pin->title.clear();
  AppendTitleWords(cat, rng, LengthAround(rng, 44, 0.55, 3, 199), &pin->title);
  if (rng.Chance(kNonAsciiTitle)) {
    pin->title.push_back(' ');
    pin->title.append(PickUniform(NonAsciiWords(), rng));
  }
  TruncateUtf8(&pin->title, 199);

  // Description: story-format pages have none; a third are cut off with "…\u00a0" as
  // Pinterest's page did; the rest are median ~105 characters, at most 201.
  pin->description.clear();
  if (pin->is_image_or_video == kStoryFormat && rng.Chance(kStoryDescriptionInMulti)) {
    pin->description.assign(kNoDescriptionStory);
  } else if (rng.Chance(kNoDescriptionShare)) {
    pin->description.assign(kNoDescription);
  } else {
    const double shape = rng.Uniform();
    const bool non_ascii = rng.Chance(kNonAsciiDescription);
    if (shape < kTruncatedDescription) {
      AppendSentenceWords(cat, rng, 170 + rng.Below(9), &pin->description);
      if (non_ascii) pin->description.insert(0, "“" + std::string(PickUniform(NonAsciiWords(), rng)) + "” ");
      TruncateUtf8(&pin->description, 176);
      pin->description.append("…\u00a0");
    } else {
      AppendSentenceWords(cat, rng, LengthAround(rng, 105, 0.45, 5, 199), &pin->description);
      if (non_ascii) {
        pin->description.push_back(' ');
        pin->description.append(PickUniform(NonAsciiWords(), rng));
      }
      TruncateUtf8(&pin->description, shape < kTruncatedDescription + kPlainEllipsis ? 198 : 201);
      if (shape < kTruncatedDescription + kPlainEllipsis) pin->description.append("…");
    }
  }

  // Tags: almost always 9, comma-joined, median ~151 characters.
  pin->tag_list.clear();
  if (rng.Chance(kNoTagsShare)) {
    pin->tag_list.assign(kNoTags);
  } else {
    const int tags = rng.Chance(0.985) ? 9 : 3 + static_cast<int>(rng.Below(6));
    for (int t = 0; t < tags; ++t) {
      if (t) pin->tag_list.push_back(',');
      const int n = 1 + static_cast<int>(rng.Below(3));
      for (int w = 0; w < n; ++w) {
        if (w) pin->tag_list.push_back(' ');
        pin->tag_list.append(w == n - 1 || rng.Chance(0.5) ? PickUniform(vocab.words, rng)
                                                           : PickUniform(CommonWords(), rng));
      }
    }
  }

  // Image: a Pinterest CDN URL (video thumbnails for videos), or the error sentinel.
  pin->image_src.clear();
  pin->downloaded = 1;
  if (rng.Chance(kImageErrorShare)) {
    pin->image_src.assign(kImageSrcError);
    pin->downloaded = 0;
  } else {
    const bool video = pin->is_image_or_video != "image";
    pin->image_src.append(video ? "https://i.pinimg.com/videos/thumbnails/originals/"
                                : "https://i.pinimg.com/originals/");
    // Directory levels are the hash's first three byte pairs: originals/0d/29/9f/0d299f...
    char hash[32];
    static constexpr char kHex[] = "0123456789abcdef";
    const uint64_t h1 = rng.Next(), h2 = rng.Next();
    for (int i = 0; i < 16; ++i) {
      hash[i] = kHex[(h1 >> (4 * i)) & 15];
      hash[16 + i] = kHex[(h2 >> (4 * i)) & 15];
    }
    for (int i = 0; i < 3; ++i) {
      pin->image_src.append(hash + i * 2, 2);
      pin->image_src.push_back('/');
    }
    pin->image_src.append(hash, 32);
    if (video) {
      pin->image_src.append(".0000001.jpg");
    } else {
      const double e = rng.Uniform();
      pin->image_src.append(e < 0.84 ? ".jpg" : e < 0.994 ? ".png" : e < 0.999 ? ".webp" : ".gif");
    }
    if (rng.Chance(kNotDownloadedExtra)) pin->downloaded = 0;
  }
}

}  // namespace pinpipe::pinterest
