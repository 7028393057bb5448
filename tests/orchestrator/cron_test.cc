#include "orchestrator/cron.h"

#include <gtest/gtest.h>

namespace pinpipe::orchestrator {
namespace {

TimePoint T(const char* iso) { return *ParseIso(iso); }
std::string Next(const char* expr, const char* after) {
  auto c = CronSchedule::Parse(expr);
  EXPECT_TRUE(c.has_value()) << expr;
  auto n = c->Next(T(after));
  return n ? FormatIso(*n) : "none";
}
std::string Prev(const char* expr, const char* before) {
  auto c = CronSchedule::Parse(expr);
  auto p = c->Previous(T(before));
  return p ? FormatIso(*p) : "none";
}

TEST(CronTest, Presets) {
  EXPECT_EQ(Next("@daily", "2026-11-21T10:00:00Z"), "2026-11-22T00:00:00Z");
  EXPECT_EQ(Next("@daily", "2026-11-22T00:00:00Z"), "2026-11-23T00:00:00Z");  // strictly after
  EXPECT_EQ(Next("@hourly", "2026-11-21T10:00:01Z"), "2026-11-21T11:00:00Z");
  EXPECT_EQ(Next("@weekly", "2026-11-21T10:00:00Z"), "2026-11-22T00:00:00Z");  // a Sunday
  EXPECT_EQ(Next("@monthly", "2026-12-15T00:00:00Z"), "2027-01-01T00:00:00Z");
  EXPECT_EQ(Next("@yearly", "2026-01-01T00:00:00Z"), "2027-01-01T00:00:00Z");
  EXPECT_EQ(Next("@annually", "2026-06-01T00:00:00Z"), "2027-01-01T00:00:00Z");
}

TEST(CronTest, UnscheduledAndOnce) {
  for (const char* e : {"", "none", "@once"}) {
    auto c = CronSchedule::Parse(e);
    ASSERT_TRUE(c.has_value()) << e;
    EXPECT_FALSE(c->scheduled());
    EXPECT_FALSE(c->Next(T("2026-01-01")).has_value());
  }
  EXPECT_TRUE(CronSchedule::Parse("@once")->once());
}

TEST(CronTest, RangesStepsLists) {
  EXPECT_EQ(Next("*/15 * * * *", "2026-11-21T10:07:00Z"), "2026-11-21T10:15:00Z");
  EXPECT_EQ(Next("*/15 * * * *", "2026-11-21T10:45:00Z"), "2026-11-21T11:00:00Z");
  EXPECT_EQ(Next("5-10/2 * * * *", "2026-11-21T10:07:00Z"), "2026-11-21T10:09:00Z");
  EXPECT_EQ(Next("5-10/2 * * * *", "2026-11-21T10:09:00Z"), "2026-11-21T11:05:00Z");
  EXPECT_EQ(Next("0 9,17 * * *", "2026-11-21T09:00:00Z"), "2026-11-21T17:00:00Z");
  EXPECT_EQ(Next("30 2 * * 1-5", "2026-11-21T00:00:00Z"), "2026-11-23T02:30:00Z");  // Sat -> Mon
  EXPECT_EQ(Next("0 0 * * MON-FRI", "2026-11-20T12:00:00Z"), "2026-11-23T00:00:00Z");
  EXPECT_EQ(Next("0 0 1 jan,Jul *", "2026-02-01T00:00:00Z"), "2026-07-01T00:00:00Z");
  EXPECT_EQ(Next("0 0 * * 7", "2026-11-21T00:00:00Z"), "2026-11-22T00:00:00Z");  // 7 = Sunday
  EXPECT_EQ(Next("10/20 * * * *", "2026-11-21T10:31:00Z"), "2026-11-21T10:50:00Z");
}

TEST(CronTest, MonthAndDayEdges) {
  // Day 31 skips the months without one.
  EXPECT_EQ(Next("0 0 31 * *", "2026-01-31T00:00:00Z"), "2026-03-31T00:00:00Z");
  EXPECT_EQ(Next("0 0 31 * *", "2026-04-01T00:00:00Z"), "2026-05-31T00:00:00Z");
  // Feb 29 only in leap years.
  EXPECT_EQ(Next("0 0 29 2 *", "2026-01-01T00:00:00Z"), "2028-02-29T00:00:00Z");
  EXPECT_EQ(Next("0 12 29 2 *", "2028-02-29T12:00:00Z"), "2032-02-29T12:00:00Z");
  // Year and month rollover.
  EXPECT_EQ(Next("59 23 31 12 *", "2026-12-31T23:58:30Z"), "2026-12-31T23:59:00Z");
  EXPECT_EQ(Next("@hourly", "2026-12-31T23:30:00Z"), "2027-01-01T00:00:00Z");
  // Both day fields restricted: either matches (Vixie cron).
  EXPECT_EQ(Next("0 0 13 * 5", "2026-11-01T00:00:00Z"), "2026-11-06T00:00:00Z");  // Fri 6th
  EXPECT_EQ(Next("0 0 13 * 5", "2026-11-12T00:00:00Z"), "2026-11-13T00:00:00Z");  // 13th
  // Day-of-week star with restricted day-of-month: only the day-of-month counts.
  EXPECT_EQ(Next("0 0 13 * *", "2026-11-12T00:00:00Z"), "2026-11-13T00:00:00Z");
  // Never fires (Feb 30) -> nothing, without spinning forever.
  EXPECT_EQ(Next("0 0 30 2 *", "2026-01-01T00:00:00Z"), "none");
}

TEST(CronTest, Previous) {
  EXPECT_EQ(Prev("@daily", "2026-11-22T00:00:00Z"), "2026-11-21T00:00:00Z");  // strictly before
  EXPECT_EQ(Prev("@daily", "2026-11-22T00:00:01Z"), "2026-11-22T00:00:00Z");
  EXPECT_EQ(Prev("@hourly", "2026-11-22T00:00:00Z"), "2026-11-21T23:00:00Z");
  EXPECT_EQ(Prev("0 0 31 * *", "2026-03-01T00:00:00Z"), "2026-01-31T00:00:00Z");
  EXPECT_EQ(Prev("@monthly", "2026-01-01T00:00:00Z"), "2025-12-01T00:00:00Z");
  EXPECT_EQ(Prev("0 0 29 2 *", "2027-01-01T00:00:00Z"), "2024-02-29T00:00:00Z");
}

TEST(CronTest, Matches) {
  auto c = *CronSchedule::Parse("*/5 8-18 * * 1-5");
  EXPECT_TRUE(c.Matches(T("2026-11-23T08:05:00Z")));   // Monday
  EXPECT_FALSE(c.Matches(T("2026-11-23T08:05:30Z")));  // seconds
  EXPECT_FALSE(c.Matches(T("2026-11-22T08:05:00Z")));  // Sunday
  EXPECT_FALSE(c.Matches(T("2026-11-23T19:00:00Z")));
}

TEST(CronTest, Errors) {
  for (const char* e : {"* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *",
                        "* * 32 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *",
                        "a * * * *", "1,,2 * * * *", "@sometimes", "* * * foo *"}) {
    EXPECT_FALSE(CronSchedule::Parse(e).has_value()) << e;
  }
  auto r = CronSchedule::Parse("61 * * * *");
  EXPECT_NE(r.error().message().find("minute"), std::string::npos);
}

TEST(CivilTimeTest, Dates) {
  EXPECT_TRUE(ParseDate("2024-02-29").has_value());
  EXPECT_FALSE(ParseDate("2026-02-29").has_value());
  EXPECT_FALSE(ParseDate("2026-1-01").has_value());
  EXPECT_FALSE(ParseDate("2026-13-01").has_value());
  EXPECT_EQ(FormatDate(*ParseDate("2026-11-21")), "2026-11-21");
  EXPECT_EQ(FormatIso(*ParseIso("2026-11-21T10:05Z")), "2026-11-21T10:05:00Z");
  EXPECT_FALSE(ParseIso("2026-11-21T25:00:00Z").has_value());
}

}  // namespace
}  // namespace pinpipe::orchestrator
