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

// RFC 4180 §2.6-2.7: fields with commas, double quotes or line breaks are quoted, inner
// quotes doubled (the CLI's --format csv writes every listing through this routine).
TEST(ResultCsv, QuotesCommasQuotesAndLineBreaks) {
  std::string out;
  for (const char* v : {"a,b", "say \"hi\"", "two\nlines", "cr\rlf", "plain"}) {
    AppendCsvField(v, &out);
    out += '|';
  }
  EXPECT_EQ(out, "\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\"cr\rlf\"|plain|");
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
