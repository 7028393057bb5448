// The vocabulary of the dataset generator: categories and their shares, words per
// category, names, countries and the measured distributions of domain.md §1 that a
// formula would not reproduce (age histogram, country skew, follower "M" values).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace pinpipe::pinterest {

struct WeightedName {
  std::string_view name;
  uint32_t weight;
};

struct CategoryVocabulary {
  std::string_view name;       // "diy-and-crafts"
  double share;                // of all rows
  std::span<const std::string_view> words;  // topic words, Title Case
};

// The 13 categories in alphabetical order (the original table is sorted by category).
std::span<const CategoryVocabulary> Categories();

// Words every category uses to build titles, descriptions and tags.
std::span<const std::string_view> CommonWords();
std::span<const std::string_view> DescriptionWords();
// Non-ASCII words and symbols (accents, curly quotes, emoji).
std::span<const std::string_view> NonAsciiWords();
std::span<const std::string_view> PosterSuffixes();

// Alphabetical first and last names.
std::span<const std::string_view> FirstNames();
std::span<const std::string_view> LastNames();

// 243 countries, alphabetical, with relative weights.
std::span<const WeightedName> Countries();

// Weight of each age 20..60 (index 0 = age 20).
std::span<const uint32_t> AgeWeights();
// "1M".."15M" values and their weights.
std::span<const WeightedName> MillionFollowerValues();

// Sentinels of the original data (domain.md §1).
inline constexpr std::string_view kNoTitle = "No Title Data Available";
inline constexpr std::string_view kNoDescriptionStory = "No description available Story format";
inline constexpr std::string_view kNoDescription = "No description available";
inline constexpr std::string_view kUserInfoError = "User Info Error";
inline constexpr std::string_view kImageSrcError = "Image src error.";
inline constexpr std::string_view kNoTags = "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e";
inline constexpr std::string_view kStoryFormat = "multi-video(story page format)";

}  // namespace pinpipe::pinterest
