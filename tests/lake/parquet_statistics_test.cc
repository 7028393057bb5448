// String bounds of column-chunk statistics: unsigned bytewise order (parquet.thrift
// TypeDefinedOrder), whatever the first bytes, prefixes and empty values.
#include "lake/parquet_statistics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace pinpipe::lake {
namespace {

TEST(ParquetStatistics, StringBoundsAreUnsignedBytewise) {
  std::mt19937 rng(7);
  const std::string alphabet = std::string("aAb\x7f\x80\xc3\xff", 7) + std::string(1, '\0');
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> values;
    const int n = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      std::string v;
      const size_t len = rng() % 4;  // short: many shared first bytes and prefixes, some empty
      for (size_t k = 0; k < len; ++k) v += alphabet[rng() % alphabet.size()];
      values.push_back(v);
    }
    StatisticsBuilder plain(LeafType::kString), dict(LeafType::kString);
    LeafData d;
    d.type = LeafType::kString;
    for (const auto& v : values) d.str.push_back(v);
    plain.Update(d, 0, values.size());
    for (const auto& v : values) dict.UpdateString(v);
    // std::string compares as memcmp over unsigned bytes, then by length.
    const std::string lo = *std::min_element(values.begin(), values.end());
    const std::string hi = *std::max_element(values.begin(), values.end());
    for (const auto* b : {&plain, &dict}) {
      const auto s = b->Build();
      ASSERT_TRUE(s.min_value && s.max_value);
      EXPECT_EQ(*s.min_value, lo) << round;
      EXPECT_EQ(*s.max_value, hi) << round;
    }
  }
}

}  // namespace
}  // namespace pinpipe::lake
