// DatasetGenerator: a deterministic, streaming generator of the source database's three
// tables whose output matches the distributions of domain.md §1 (categories in sorted
// blocks, follower_count formats, sentinels and "story" rows, string lengths, country
// skew, persons and places that recur across rows, ...). Row k has index/ind k in all
// three tables. Strings are reused between rows: generating 10M rows does not allocate
// per row once the buffers have grown.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pinterest/generator_rng.h"

namespace pinpipe::pinterest {

struct GeneratorOptions {
  uint64_t seed = 42;
  int64_t rows = 11154;
};

struct GeneratedPin {
  int64_t index = 0;
  std::string unique_id, title, description, poster_name, follower_count, tag_list;
  std::string_view is_image_or_video;
  std::string image_src;
  int downloaded = 1;
  std::string save_location;
  std::string_view category;
};

struct GeneratedGeo {
  int64_t ind = 0;
  std::string timestamp;  // "YYYY-MM-DD HH:MM:SS"
  double latitude = 0, longitude = 0;
  std::string_view country;
};

struct GeneratedUser {
  int64_t ind = 0;
  std::string_view first_name, last_name;
  int age = 0;
  std::string date_joined;
};

struct GeneratedRow {
  GeneratedPin pin;
  GeneratedGeo geo;
  GeneratedUser user;
};

class DatasetGenerator {
 public:
  explicit DatasetGenerator(GeneratorOptions options);

  bool Done() const { return next_ >= options_.rows; }
  int64_t next_index() const { return next_; }
  // Fills `row` with row next_index() and advances.
  void Next(GeneratedRow* row);

  // Category of row k (the table is sorted by category, in blocks sized by the shares).
  std::string_view CategoryOf(int64_t k) const;

 private:
  struct Poster;
  void FillPin(int64_t k, GenRng& rng, GeneratedPin* pin);
  void FillEntity(int64_t entity, GeneratedGeo* geo, GeneratedUser* user);
  int CategoryIndex(int64_t k) const;
  void MakePoster(int category, uint64_t j, std::string* name, std::string* followers);

  void AppendTitleWords(int category, GenRng& rng, size_t target, std::string* out);
  void AppendSentenceWords(int category, GenRng& rng, size_t target, std::string* out);

  GeneratorOptions options_;
  int64_t next_ = 0;
  std::vector<int64_t> category_end_;   // exclusive end row of each category block
  std::vector<uint64_t> poster_pool_;   // posters per category
  std::vector<double> country_cdf_, age_cdf_, million_cdf_;
  int64_t entities_ = 0;       // persons/places created so far
  int64_t prev_entity_ = -1;
};

// Formats seconds since the Unix epoch as "YYYY-MM-DD HH:MM:SS" (UTC).
void FormatDateTime(int64_t unix_seconds, std::string* out);
// Seconds since the epoch of a UTC civil date-time.
int64_t UnixSeconds(int year, int month, int day, int hour = 0, int minute = 0, int second = 0);

}  // namespace pinpipe::pinterest
