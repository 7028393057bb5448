// add.stats for string columns: bounds that are valid UTF-8 and really bound the values
// (issue 14: invalid UTF-8 from a quarantined lake line went raw into a commit's stats).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "common/utf8.h"
#include "lake/delta_stats.h"
#include "lake/parquet_writer.h"

namespace pinpipe::lake {
namespace {

std::string StatsOf(const std::vector<std::string>& values) {
  Schema schema({Field::Primitive("s", LeafType::kString)});
  ColumnBatch batch(schema);
  for (const auto& v : values) batch.column("s")->AppendString(v);
  DeltaStatsCollector c(schema);
  c.Add(batch);
  return c.ToJson();
}

TEST(DeltaStats, ShortStringsAreExact) {
  EXPECT_EQ(StatsOf({"b", "a", "c\xC3\xA9"}),
            R"({"numRecords":3,"minValues":{"s":"a"},"maxValues":{"s":"cé"},"nullCount":{"s":0}})");
}

TEST(DeltaStats, InvalidUtf8BoundsAreLeftOut) {
  // \xFF sorts after every valid byte: it is the max, and cannot be written as JSON.
  EXPECT_EQ(StatsOf({"abc", "\xFF\xFE junk", "zz"}),
            R"({"numRecords":3,"minValues":{"s":"abc"},"maxValues":{},"nullCount":{"s":0}})");
  // An invalid min as well: both bounds go, numRecords and nullCount stay.
  EXPECT_EQ(StatsOf({"\x80", "\xFF"}),
            R"({"numRecords":2,"minValues":{},"maxValues":{},"nullCount":{"s":0}})");
  // Invalid bytes past the 32-code-point prefix do not matter: the prefix is the bound.
  const std::string tail_bad = std::string(40, 'q') + "\xFF";
  const std::string json = StatsOf({tail_bad});
  EXPECT_TRUE(IsValidUtf8(json));
  EXPECT_NE(json.find(R"("minValues":{"s":")" + std::string(32, 'q') + "\"}"), std::string::npos)
      << json;
}

TEST(DeltaStats, LongStringsAreTruncatedAsSparkDoes) {
  const std::string lo = std::string(50, 'a');
  const std::string hi = std::string(40, 'x') + "\xC3\xA9tail";
  const std::string json = StatsOf({hi, lo});
  // min: the 32-character prefix; max: the prefix and a tie-breaker sorting after the value.
  EXPECT_NE(json.find(R"("minValues":{"s":")" + std::string(32, 'a') + "\"}"), std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("maxValues":{"s":")" + std::string(32, 'x') + "\x7F\"}"),
            std::string::npos)
      << json;
  // The next character is above U+007F: U+10FFFF breaks the tie.
  const std::string wide = std::string(32, 'x') + "\xC3\xA9";
  const std::string json2 = StatsOf({wide});
  EXPECT_NE(json2.find(R"("maxValues":{"s":")" + std::string(32, 'x') + "\xF4\x8F\xBF\xBF\"}"),
            std::string::npos)
      << json2;
  EXPECT_GT(std::string(32, 'x') + "\xF4\x8F\xBF\xBF", wide);
  // A 33rd character that is U+10FFFF itself cannot be bounded by a 33-character string.
  const std::string top = std::string(32, 'x') + "\xF4\x8F\xBF\xBF" + "y";
  EXPECT_NE(StatsOf({top}).find(R"("maxValues":{})"), std::string::npos);
}

// The table writer takes string bounds from the Parquet footer of the file it wrote instead
// of comparing every value a second time: the stats must be the same document either way,
// over several row groups, dictionary and PLAIN pages, nulls and all-null row groups.
TEST(DeltaStats, FooterStringBoundsEqualCollectedOnes) {
  Schema schema({Field::Primitive("id", LeafType::kInt64), Field::Primitive("s", LeafType::kString),
                 Field::Primitive("t", LeafType::kString)});
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    WriterOptions opt;
    opt.row_group_size = 1 + rng() % 4096;  // several row groups per file
    opt.dictionary_page_limit = round % 2 ? 512 : (1 << 20);
    std::string file;
    auto w = ParquetWriter::Open(MemorySink(&file), schema, opt);
    ASSERT_TRUE(w);
    DeltaStatsCollector collected(schema), footer(schema, /*string_bounds_from_footer=*/true);
    for (int b = 0; b < 4; ++b) {
      ColumnBatch batch(schema);
      const int rows = static_cast<int>(rng() % 3000);
      for (int i = 0; i < rows; ++i) {
        batch.leaf(0).AppendInt64(i);
        if (rng() % 5 == 0) {
          batch.column("s")->AppendNull();
        } else {  // low cardinality at first, then long distinct values
          const bool distinct = i > 1500;
          batch.column("s")->AppendString(distinct ? std::string(rng() % 60, 'a' + rng() % 26) + std::to_string(rng())
                                                   : "v" + std::to_string(rng() % 9));
        }
        // t: null in whole batches (all-null row groups) or values
        if (b == 1) {
          batch.column("t")->AppendNull();
        } else {
          batch.column("t")->AppendString(std::to_string(rng() % 100000));
        }
      }
      ASSERT_TRUE((*w)->WriteBatch(batch));
      collected.Add(batch);
      footer.Add(batch);
    }
    ASSERT_TRUE((*w)->Close());
    footer.AddFooterStringBounds((*w)->metadata());
    EXPECT_EQ(footer.ToJson(), collected.ToJson()) << "round " << round;
  }
}

TEST(DeltaStats, MissingFooterBoundsDropTheColumnsBounds) {
  Schema schema({Field::Primitive("s", LeafType::kString)});
  ColumnBatch batch(schema);
  batch.column("s")->AppendString("x");
  DeltaStatsCollector footer(schema, /*string_bounds_from_footer=*/true);
  footer.Add(batch);
  format::FileMetaData md;
  md.row_groups.emplace_back();
  md.row_groups[0].columns.emplace_back();
  md.row_groups[0].columns[0].meta_data.emplace();
  md.row_groups[0].columns[0].meta_data->num_values = 1;  // a value, and no statistics
  footer.AddFooterStringBounds(md);
  EXPECT_EQ(footer.ToJson(), R"({"numRecords":1,"minValues":{},"maxValues":{},"nullCount":{"s":0}})");
}

}  // namespace
}  // namespace pinpipe::lake
