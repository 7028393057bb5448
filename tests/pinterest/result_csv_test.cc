// CSV exports: RFC 4180 quoting, and formula injection neutralised in text cells only
// (issue 14; OWASP "CSV Injection").
#include <gtest/gtest.h>

#include <string>

#include "pinterest/result_csv.h"

namespace pinpipe::pinterest {
namespace {

TEST(ResultCsv, TextCellsThatLookLikeFormulasAreNeutralised) {
  ResultTable t;
  t.name = "x";
  ResultColumn s("title", ColumnType::kString);
  ResultColumn d("score", ColumnType::kDouble);
  ResultColumn n("count", ColumnType::kLong);
  const char* titles[] = {"=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)", "\tx",
                          "\rx", "plain", "a,b", "-3.5"};
  for (const char* v : titles) {
    s.PushString(v);
    d.PushDouble(-3.5);
    n.PushInt(-7);
  }
  t.columns = {s, d, n};
  EXPECT_EQ(ResultTableToCsv(t),
            "title,score,count\n"
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-3.5,-7\n"
            "\"'+1\",-3.5,-7\n"
            "\"'-2+3\",-3.5,-7\n"
            "\"'@SUM(A1)\",-3.5,-7\n"
            "\"'\tx\",-3.5,-7\n"
            "\"'\rx\",-3.5,-7\n"
            "plain,-3.5,-7\n"
            "\"a,b\",-3.5,-7\n"
            "\"'-3.5\",-3.5,-7\n");  // a string column's "-3.5" is text, not a number
}

TEST(ResultCsv, HeadersAndNullsAndNonText) {
  std::string out;
  AppendCsvField("=cmd", &out);  // headers are text
  EXPECT_EQ(out, "\"'=cmd\"");
  out.clear();
  AppendCsvField("-1e-07", &out, /*text=*/false);
  EXPECT_EQ(out, "-1e-07");
  out.clear();
  AppendCsvField("", &out);
  EXPECT_EQ(out, "");
  EXPECT_FALSE(CsvCellLooksLikeFormula("a=b"));
  EXPECT_TRUE(CsvCellLooksLikeFormula("-"));
}

}  // namespace
}  // namespace pinpipe::pinterest
