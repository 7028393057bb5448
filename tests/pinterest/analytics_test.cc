// The eight analytics on hand-made inputs: joins with duplicate keys, ties (RANK() = 1),
// nulls, empty groups, year ranges, both median settings; plus CSV output.
#include "pinterest/analytics.h"

#include <gtest/gtest.h>

#include "pinterest/clean.h"
#include "pinterest/median.h"
#include "pinterest/raw_decode.h"
#include "pinterest/result_csv.h"

namespace pinpipe::pinterest {
namespace {

struct Tables {
  CleanPinTable pin;
  CleanGeoTable geo;
  CleanUserTable user;
};

Tables Build(std::string_view pins, std::string_view geos, std::string_view users) {
  RawTables raw;
  RawDecoder d;
  d.Decode(RawKind::kPin, pins, &raw);
  d.Decode(RawKind::kGeo, geos, &raw);
  d.Decode(RawKind::kUser, users, &raw);
  EXPECT_EQ(raw.quarantine.size(), 0u);
  return {CleanPins(std::move(raw.pin)), CleanGeos(std::move(raw.geo)),
          CleanUsers(std::move(raw.user))};
}

// Rows as "a|b|c" lines (null as \N).
std::vector<std::string> Rows(const ResultTable& t) {
  std::vector<std::string> out;
  for (size_t r = 0; r < t.num_rows(); ++r) {
    std::string line;
    for (size_t c = 0; c < t.columns.size(); ++c) {
      if (c) line += "|";
      bool null;
      std::string v = t.columns[c].Text(r, &null);
      line += null ? "\\N" : v;
    }
    out.push_back(line);
  }
  return out;
}

using V = std::vector<std::string>;

const char* kPins = R"({"ind":0,"category":"art","follower_count":"5k","poster_name":"Ann"}
{"ind":1,"category":"art","follower_count":"5k","poster_name":"Bob"}
{"ind":2,"category":"travel","follower_count":"7k","poster_name":"Cid"}
{"ind":3,"category":"travel","follower_count":"User Info Error","poster_name":"User Info Error"}
{"ind":4,"category":"quotes","follower_count":"1M","poster_name":"Dee"}
{"ind":5,"category":"quotes","follower_count":"1M","poster_name":"Eve"}
{"ind":5,"category":"quotes","follower_count":"1M","poster_name":"Eve2"}
{"ind":6,"category":null,"follower_count":"100","poster_name":"Fay"}
{"ind":7,"category":"art","follower_count":"10","poster_name":"Gus"}
{"ind":8,"category":"art","follower_count":"20","poster_name":"Hal"}
{"ind":9,"category":"art","follower_count":"Error","poster_name":"Ivy"}
{"ind":99,"category":"art","follower_count":"1","poster_name":"NoJoin"}
)";
// Countries: A gets 0,1,2,3 (art 2, travel 2: a tie); B gets 4,5 (quotes x3 via dup ind 5);
// C has a null-category pin and a pin with a null follower count; 7 and 8 have no country.
const char* kGeos = R"({"ind":0,"country":"A","timestamp":"2018-05-01 00:00:00"}
{"ind":1,"country":"A","timestamp":"2019-05-01T00:00:00"}
{"ind":2,"country":"A","timestamp":"2018-05-01 00:00:00"}
{"ind":3,"country":"A","timestamp":"2023-01-01 00:00:00"}
{"ind":4,"country":"B","timestamp":"2017-12-31 23:59:59"}
{"ind":5,"country":"B","timestamp":"2022-12-31 23:59:59"}
{"ind":6,"country":"C","timestamp":"2020-01-01 00:00:00"}
{"ind":9,"country":"C","timestamp":"2020-01-01 00:00:00"}
{"ind":7,"country":null,"timestamp":"2020-01-01 00:00:00"}
{"ind":8,"timestamp":null}
)";
// Ages: 18-24 (0, 1, 8 with a null date, 9), 25-35 (2), 36-50 (3: all null followers),
// +50 (4, 5), none (6: 17, 7: null).
const char* kUsers = R"({"ind":0,"first_name":"A","last_name":"X","age":18,"date_joined":"2015-01-01 00:00:00"}
{"ind":1,"first_name":"A","last_name":"X","age":24,"date_joined":"2015-06-01 00:00:00"}
{"ind":2,"first_name":"B","last_name":"Y","age":25,"date_joined":"2016-01-01 00:00:00"}
{"ind":3,"first_name":"C","last_name":"Z","age":50,"date_joined":"2016-01-01 00:00:00"}
{"ind":4,"first_name":"D","last_name":null,"age":51,"date_joined":"2014-12-31 23:59:59"}
{"ind":5,"first_name":"E","last_name":"W","age":60,"date_joined":"2021-01-01 00:00:00"}
{"ind":6,"first_name":"F","last_name":"V","age":17,"date_joined":"2017-01-01 00:00:00"}
{"ind":7,"first_name":"G","last_name":"U","date_joined":"2017-01-01 00:00:00"}
{"ind":8,"first_name":"H","last_name":"T","age":18}
{"ind":9,"first_name":"A","last_name":"X","age":20,"date_joined":"2015-03-01 00:00:00"}
)";

class AnalyticsTest : public ::testing::TestWithParam<bool> {};  // parallel or not

TEST_P(AnalyticsTest, LowerMedian) {
  Tables t = Build(kPins, kGeos, kUsers);
  AnalyticsOptions opts;
  opts.parallel = GetParam();
  auto r = RunAnalytics(t.pin, t.geo, t.user, opts);
  ASSERT_EQ(r.size(), 9u);
  for (size_t i = 0; i < r.size(); ++i) EXPECT_EQ(r[i].name, AnalyticsTableNames()[i]);

  // Q1: ties kept (A: art 2 = travel 2); null category and null country in no group.
  EXPECT_EQ(Rows(r[0]), (V{"A|art|2", "A|travel|2", "B|quotes|3", "C|art|1"}));
  // Q2: 2018: art 1, travel 1 (tie); 2019 art; 2020 art x2 (ind 9, and ind 7 whose country
  // is null — Q2 does not group by country); 2022 quotes x2 (dup ind 5); 2017/2023 out.
  EXPECT_EQ(Rows(r[1]), (V{"2018|art|1", "2018|travel|1", "2019|art|1", "2020|art|2",
                           "2022|quotes|2"}));
  // Q3a: A's max is 7000 (Cid); B's 1M shared by Dee, Eve, Eve2; C only has null counts
  // apart from Fay (100).
  EXPECT_EQ(Rows(r[2]), (V{"A|Cid|7000", "B|Dee|1000000", "B|Eve|1000000",
                           "B|Eve2|1000000", "C|Fay|100"}));
  // Q3b: the top count overall, one row per country.
  EXPECT_EQ(Rows(r[3]), (V{"B|1000000"}));
  // Q4: "+50" sorts first; 36-50 has travel only; 18-24 art (0, 1, 8, 9).
  EXPECT_EQ(Rows(r[4]), (V{"+50|quotes|3", "18-24|art|4", "25-35|travel|1", "36-50|travel|1"}));
  // Q5: +50 {1M x3}; 18-24 {5000, 5000, 20, null}; 25-35 {7000}; 36-50 all null -> null.
  EXPECT_EQ(Rows(r[5]), (V{"+50|1000000", "18-24|5000", "25-35|7000", "36-50|\\N"}));
  // Q6: distinct names per year 2015-2020: 2015 "A X" only (three rows); 2016 B Y, C Z;
  // 2017 F V, G U; 2014 and 2021 out of range.
  EXPECT_EQ(Rows(r[6]), (V{"2015|1", "2016|2", "2017|2"}));
  // Q7: 2015 {5000, 5000, null} -> 5000; 2016 {7000, null} -> 7000; 2017 {100, 10} -> 10.
  EXPECT_EQ(Rows(r[7]), (V{"2015|5000", "2016|7000", "2017|10"}));
  // Q8: no year restriction; null years excluded.
  EXPECT_EQ(Rows(r[8]), (V{"+50|2014|1000000", "+50|2021|1000000", "18-24|2015|5000",
                           "25-35|2016|7000", "36-50|2016|\\N"}));
}

TEST_P(AnalyticsTest, InterpolatedMedian) {
  Tables t = Build(kPins, kGeos, kUsers);
  AnalyticsOptions opts;
  opts.parallel = GetParam();
  opts.median = MedianMode::kInterpolated;
  auto r = RunAnalytics(t.pin, t.geo, t.user, opts);
  EXPECT_EQ(r[5].columns[1].type, ColumnType::kDouble);
  EXPECT_EQ(Rows(r[5]), (V{"+50|1000000", "18-24|5000", "25-35|7000", "36-50|\\N"}));
  // 2017 {100, 10} -> 55
  EXPECT_EQ(Rows(r[7]), (V{"2015|5000", "2016|7000", "2017|55"}));
}

INSTANTIATE_TEST_SUITE_P(Threads, AnalyticsTest, ::testing::Bool());

TEST(Analytics, EmptyInputsGiveEmptyTablesWithColumns) {
  Tables t = Build("", "", "");
  auto r = RunAnalytics(t.pin, t.geo, t.user);
  for (const auto& table : r) {
    EXPECT_EQ(table.num_rows(), 0u) << table.name;
    EXPECT_FALSE(table.columns.empty()) << table.name;
  }
  EXPECT_EQ(ResultTableToCsv(r[0]), "country,category,category_count\n");
}

TEST(Analytics, OutputColumns) {
  Tables t = Build("", "", "");
  auto r = RunAnalytics(t.pin, t.geo, t.user);
  auto names = [](const ResultTable& x) {
    std::string s;
    for (const auto& c : x.columns) s += std::string(c.name) + ":" + std::string(ColumnTypeName(c.type)) + " ";
    return s;
  };
  EXPECT_EQ(names(r[0]), "country:string category:string category_count:long ");
  EXPECT_EQ(names(r[1]), "post_year:integer category:string category_count:long ");
  EXPECT_EQ(names(r[2]), "country:string poster_name:string follower_count:integer ");
  EXPECT_EQ(names(r[3]), "country:string follower_count:integer ");
  EXPECT_EQ(names(r[4]), "age_group:string category:string category_count:long ");
  EXPECT_EQ(names(r[5]), "age_group:string median_follower_count:integer ");
  EXPECT_EQ(names(r[6]), "post_year:integer number_users_joined:long ");
  EXPECT_EQ(names(r[7]), "post_year:integer median_follower_count:integer ");
  EXPECT_EQ(names(r[8]), "age_group:string post_year:integer median_follower_count:integer ");
}

TEST(Median, LowerAndInterpolated) {
  std::vector<int32_t> v{4, 1, 3, 2};
  EXPECT_EQ(LowerMedian(v), 2);  // sorted[ceil(4/2) - 1] = sorted[1]
  v = {4, 1, 3, 2};
  EXPECT_EQ(InterpolatedMedian(v), 2.5);
  v = {5, 1, 3};
  EXPECT_EQ(LowerMedian(v), 3);
  v = {5, 1, 3};
  EXPECT_EQ(InterpolatedMedian(v), 3.0);
  v = {7};
  EXPECT_EQ(LowerMedian(v), 7);
  v = {};
  EXPECT_EQ(LowerMedian(v), std::nullopt);
  EXPECT_EQ(InterpolatedMedian(v), std::nullopt);
  v = {2147483647, 2147483646};
  EXPECT_EQ(InterpolatedMedian(v), 2147483646.5);
  EXPECT_TRUE(ParseMedianMode("lower").has_value());
  EXPECT_EQ(*ParseMedianMode("interpolated"), MedianMode::kInterpolated);
  EXPECT_FALSE(ParseMedianMode("mean").has_value());
}

TEST(ResultCsv, QuotingAndNulls) {
  ResultTable t;
  t.name = "x";
  t.columns.emplace_back("s", ColumnType::kString);
  t.columns.emplace_back("d", ColumnType::kDouble);
  t.columns.emplace_back("ts", ColumnType::kTimestamp);
  t.columns[0].PushString("a,b");
  t.columns[1].PushDouble(0.1);
  t.columns[2].PushInt(1500000);
  t.columns[0].PushString("say \"hi\"\nbye");
  t.columns[1].PushNull();
  t.columns[2].PushNull();
  t.columns[0].PushNull();
  t.columns[1].PushDouble(31000.5);
  t.columns[2].PushInt(0);
  EXPECT_EQ(ResultTableToCsv(t),
            "s,d,ts\n\"a,b\",0.1,1970-01-01 00:00:01.500000\n\"say \"\"hi\"\"\nbye\",,\n"
            ",31000.5,1970-01-01 00:00:00\n");
}

}  // namespace
}  // namespace pinpipe::pinterest
