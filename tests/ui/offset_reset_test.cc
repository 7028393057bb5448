#include "ui/offset_reset.h"

#include <gtest/gtest.h>

#include <climits>

namespace pinpipe::ui {
namespace {

TEST(OffsetReset, TargetsClampToTheLogRange) {
  using S = ResetStrategy;
  // log start 10, end 50
  EXPECT_EQ(ResetTarget(S::kEarliest, 0, 30, 10, 50, 50), 10);
  EXPECT_EQ(ResetTarget(S::kLatest, 0, 30, 10, 50, 50), 50);
  EXPECT_EQ(ResetTarget(S::kOffset, 20, 30, 10, 50, 50), 20);
  EXPECT_EQ(ResetTarget(S::kOffset, 5, 30, 10, 50, 50), 10);
  EXPECT_EQ(ResetTarget(S::kOffset, 500, 30, 10, 50, 50), 50);
  EXPECT_EQ(ResetTarget(S::kDatetime, 0, 30, 10, 50, 42), 42);
  EXPECT_EQ(ResetTarget(S::kShiftBy, -5, 30, 10, 50, 50), 25);
  EXPECT_EQ(ResetTarget(S::kShiftBy, -50, 30, 10, 50, 50), 10);
  EXPECT_EQ(ResetTarget(S::kShiftBy, 50, 30, 10, 50, 50), 50);
  EXPECT_EQ(ResetTarget(S::kShiftBy, -5, std::nullopt, 10, 50, 50), 45);  // from the log end
  // No overflow at the extremes.
  EXPECT_EQ(ResetTarget(S::kShiftBy, INT64_MAX, 30, 10, 50, 50), 50);
  EXPECT_EQ(ResetTarget(S::kShiftBy, INT64_MIN, 30, 10, 50, 50), 10);
  // An empty partition: everything is its one offset.
  EXPECT_EQ(ResetTarget(S::kOffset, 7, std::nullopt, 0, 0, 0), 0);
}

TEST(OffsetReset, ParsesEveryStrategyAndDefaultsToADryRun) {
  auto r = ParseResetRequest(R"({"topics":["b","a","b"],"strategy":"to-earliest"})");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->topics, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(r->dry_run);
  EXPECT_EQ(r->strategy, ResetStrategy::kEarliest);

  r = ParseResetRequest(R"({"topic":"t","partitions":[2,0],"strategy":"to-offset","value":"12","dry_run":false})");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->partitions, (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(r->value, 12);
  EXPECT_FALSE(r->dry_run);

  r = ParseResetRequest(R"({"topic":"t","strategy":"shift-by","value":-3})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->value, -3);

  r = ParseResetRequest(R"({"topic":"t","strategy":"to-datetime","value":"2024-01-15T13:45:00.250+01:00"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->value, 1705322700250);  // 12:45:00.250 UTC

  for (const char* bad : {R"([])", R"({"strategy":"to-latest"})", R"({"topic":"t"})",
                          R"({"topic":"t","strategy":"to-offset"})", R"({"topic":"t","strategy":"to-offset","value":"x"})",
                          R"({"topic":"t","strategy":"to-datetime","value":12})",
                          R"({"topic":"t","partitions":[-1],"strategy":"to-latest"})",
                          R"({"topics":[1],"strategy":"to-latest"})"}) {
    EXPECT_FALSE(ParseResetRequest(bad)) << bad;
  }
}

TEST(OffsetReset, PlanJsonShowsCurrentNewAndLagAfter) {
  ResetRequest req;
  req.strategy = ResetStrategy::kShiftBy;
  std::vector<ResetRow> plan{{"t", 0, 8, 5, 0, 10}, {"t", 1, std::nullopt, 3, 0, 3}};
  EXPECT_EQ(ResetPlanJson("g", req, plan, false),
            R"({"group":"g","strategy":"shift-by","dry_run":true,"executed":false,"partitions":[)"
            R"({"topic":"t","partition":0,"current_offset":8,"new_offset":5,"log_start_offset":0,"log_end_offset":10,"lag_after":5},)"
            R"({"topic":"t","partition":1,"current_offset":null,"new_offset":3,"log_start_offset":0,"log_end_offset":3,"lag_after":0}]})");
}

}  // namespace
}  // namespace pinpipe::ui
