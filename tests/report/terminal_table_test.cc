#include "report/terminal_table.h"

#include <gtest/gtest.h>

#include "report/task_summary.h"
#include "report/text_width.h"

namespace pinpipe::report {
namespace {

Table Sample() {
  Table t{"t", "Sample", {{"country", ColumnType::kString}, {"n", ColumnType::kInt},
                          {"median", ColumnType::kDouble}},
          {}};
  t.rows.push_back({std::string("Afghanistan"), int64_t{12}, 1.5});
  t.rows.push_back({std::string("日本"), int64_t{1234567}, std::monostate{}});
  t.rows.push_back({std::string("Côte d'Ivoire"), int64_t{-3}, 0.25});
  return t;
}

std::vector<std::string> SplitLines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    const size_t end = s.find('\n', start);
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

TEST(TextWidthTest, Widths) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("日本"), 4u);
  EXPECT_EQ(DisplayWidth("Côte"), 4u);
  EXPECT_EQ(DisplayWidth("e\u0301"), 1u);  // combining accent
  EXPECT_EQ(DisplayWidth("\xff"), 1u);      // invalid byte
  EXPECT_EQ(TruncateToWidth("abcdef", 4), "abc…");
  EXPECT_EQ(TruncateToWidth("日本語テキスト", 5), "日本…");
  EXPECT_EQ(TruncateToWidth("abc", 3), "abc");
  EXPECT_EQ(ReplaceControlCharacters("a\tb\nc"), "a b c");
}

TEST(TerminalTableTest, AlignsColumnsByDisplayWidth) {
  const std::string out = RenderTerminalTable(Sample());
  const auto lines = SplitLines(out);
  ASSERT_EQ(lines.size(), 7u) << out;
  EXPECT_EQ(lines[0], "Sample");
  EXPECT_EQ(lines[1], " country       |       n | median");
  EXPECT_EQ(lines[2], "---------------+---------+--------");
  EXPECT_EQ(lines[3], " Afghanistan   |      12 |    1.5");
  EXPECT_EQ(lines[4], " 日本          | 1234567 |");
  EXPECT_EQ(lines[5], " Côte d'Ivoire |      -3 |   0.25");
  EXPECT_EQ(lines[6], "(3 rows)");
  // Every row's separators line up in display columns.
  for (int i : {3, 4, 5}) {
    const std::string& l = lines[i];
    EXPECT_EQ(DisplayWidth(l.substr(0, l.find(" | "))), 14u) << l;
  }
}

TEST(TerminalTableTest, TruncatesAndLimitsRows) {
  Table t{"t", "", {{"text", ColumnType::kString}, {"v", ColumnType::kInt}}, {}};
  for (int i = 0; i < 10; ++i) t.rows.push_back({std::string(50, 'x'), int64_t{i}});
  TerminalTableOptions o;
  o.max_cell_width = 10;
  o.max_rows = 3;
  o.null_text = "NULL";
  const auto lines = SplitLines(RenderTerminalTable(t, o));
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_EQ(lines[2], " xxxxxxxxx… | 0");
  EXPECT_EQ(lines[5], "… 7 more rows");
  EXPECT_EQ(lines[6], "(10 rows)");
}

TEST(TerminalTableTest, EmptyAndNulls) {
  Table t{"t", "", {{"a", ColumnType::kString}}, {}};
  EXPECT_EQ(RenderTerminalTable(t), " a\n---\n(0 rows)\n");
  t.rows.push_back({std::monostate{}});
  TerminalTableOptions o;
  o.null_text = "null";
  EXPECT_EQ(RenderTerminalTable(t, o), " a\n------\n null\n(1 row)\n");
}

TEST(TableTest, FormatsValues) {
  EXPECT_EQ(FormatValue(int64_t{-42}), "-42");
  EXPECT_EQ(FormatValue(0.1), "0.1");
  EXPECT_EQ(FormatValue(Timestamp{1700000000000000}), "2023-11-14 22:13:20");
  EXPECT_EQ(FormatValue(Timestamp{1700000000000001}), "2023-11-14 22:13:20.000001");
  EXPECT_EQ(WithThousandsSeparators(-1234567), "-1,234,567");
  Table bad{"b", "", {{"n", ColumnType::kInt}}, {{std::string("x")}}};
  EXPECT_FALSE(bad.Validate());
}

TEST(TaskSummaryTest, Lines) {
  TaskSummary s;
  s.task_id = "clean_pin";
  s.state = "success";
  s.attempts = 1;
  s.seconds = 0.8234;
  s.records_in = 11154;
  s.records_out = 11100;
  s.records_quarantined = 54;
  s.summary = "wrote pin";
  EXPECT_EQ(FormatTaskSummaryLine(s, 12),
            "✓ clean_pin     success         1 attempt     0.82 s  in 11,154  out 11,100  "
            "quarantined 54  wrote pin");
  TaskSummary f;
  f.task_id = "analyze";
  f.state = "upstream_failed";
  f.error = "upstream task 'a' failed";
  EXPECT_EQ(FormatTaskSummaryLine(f, 8), "- analyze   upstream_failed  error: upstream task 'a' failed");
  EXPECT_EQ(FormatSeconds(125), "2 min 05 s");
}

}  // namespace
}  // namespace pinpipe::report
