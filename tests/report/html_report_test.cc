#include "report/html_report.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <regex>

#include "report/bar_chart.h"
#include "report/html_escape.h"
#include "report/text_width.h"

namespace pinpipe::report {
namespace {

Table Counts() {
  Table t{"category_by_country", "Most popular category <per> country",
          {{"country", ColumnType::kString}, {"category", ColumnType::kString},
           {"category_count", ColumnType::kInt}},
          {}};
  t.rows.push_back({std::string("Albania"), std::string("art"), int64_t{12}});
  t.rows.push_back({std::string("Albania"), std::string("sport"), int64_t{12}});
  t.rows.push_back({std::string("Côte d'Ivoire & <b>"), std::string("quotes"), int64_t{7}});
  return t;
}

Table Grouped() {
  Table t{"median_by_group_and_year", "Median followers by age group and year",
          {{"age_group", ColumnType::kString}, {"post_year", ColumnType::kInt},
           {"median_follower_count", ColumnType::kDouble}},
          {}};
  for (const char* g : {"18-24", "25-35", "+50"}) {
    for (int64_t y = 2015; y <= 2017; ++y) t.rows.push_back({std::string(g), y, static_cast<double>(y - 2000) * 10});
  }
  t.rows.push_back({std::string("+50"), int64_t{2018}, std::monostate{}});  // null: no bar
  return t;
}

size_t Count(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

int RunCommand(const std::string& cmd, std::string* out) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  return pclose(p);
}

TEST(HtmlEscapeTest, EscapesSpecialsAndBadBytes) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(HtmlEscape("日本"), "日本");
  EXPECT_EQ(HtmlEscape("a\x01" "b\xff"), "ab\xEF\xBF\xBD");
}

TEST(BarChartTest, OneBarPerRowWithLabels) {
  ChartSpec spec = BarsOf("country", "category_count");
  spec.label_columns = {"category"};
  auto svg = RenderBarChart(Counts(), spec);
  ASSERT_TRUE(svg) << svg.error().message();
  EXPECT_EQ(Count(*svg, "<rect class=\"bar\""), 3u);
  EXPECT_NE(svg->find("Albania · art: 12"), std::string::npos);
  EXPECT_NE(svg->find("Côte d&#39;Ivoire &amp; &lt;b&gt;"), std::string::npos);
  EXPECT_EQ(svg->find("<b>"), std::string::npos);
}

TEST(BarChartTest, GroupedBarsHaveALegendAndSkipNulls) {
  for (auto o : {Orientation::kVertical, Orientation::kHorizontal}) {
    ChartSpec spec = GroupedBarsOf("age_group", "post_year", "median_follower_count");
    spec.orientation = o;
    spec.value_axis_title = "median followers";
    auto svg = RenderBarChart(Grouped(), spec);
    ASSERT_TRUE(svg);
    EXPECT_EQ(Count(*svg, "<rect class=\"bar\""), 9u);
    EXPECT_NE(svg->find("class=\"legend\""), std::string::npos);
    EXPECT_NE(svg->find(">2018</text>"), std::string::npos);  // a series with only a null
    EXPECT_NE(svg->find("median followers"), std::string::npos);
    // Bars have positive sizes.
    std::regex rect("<rect class=\"bar\" x=\"[-0-9.]+\" y=\"[-0-9.]+\" width=\"([0-9.]+)\" height=\"([0-9.]+)\"");
    for (auto it = std::sregex_iterator(svg->begin(), svg->end(), rect); it != std::sregex_iterator(); ++it) {
      EXPECT_GT(std::stod((*it)[1]), 0);
      EXPECT_GT(std::stod((*it)[2]), 0);
    }
  }
}

TEST(BarChartTest, Errors) {
  EXPECT_FALSE(RenderBarChart(Counts(), BarsOf("nope", "category_count")));
  EXPECT_FALSE(RenderBarChart(Counts(), BarsOf("country", "category")));  // not numeric
  Table empty{"e", "", {{"k", ColumnType::kString}, {"v", ColumnType::kInt}}, {}};
  auto svg = RenderBarChart(empty, BarsOf("k", "v"));
  ASSERT_TRUE(svg);
  EXPECT_NE(svg->find("no rows"), std::string::npos);
}

TEST(BarChartTest, NiceTicksAndNumbers) {
  EXPECT_EQ(NiceTicks(0, 95), (std::vector<double>{0, 20, 40, 60, 80, 100}));
  EXPECT_EQ(NiceTicks(0, 1), (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}));
  EXPECT_EQ(NiceTicks(-10, 10).front(), -10);
  EXPECT_EQ(FormatChartNumber(12345), "12,345");
  EXPECT_EQ(FormatChartNumber(2.5), "2.5");
  // One rule with the tables: thousands separators, never an abbreviation.
  EXPECT_EQ(FormatChartNumber(1500000), "1,500,000");
  EXPECT_EQ(FormatChartNumber(8000000), "8,000,000");
  EXPECT_EQ(FormatChartNumber(2500000000.0), "2,500,000,000");
  EXPECT_EQ(FormatChartNumber(1234.56), "1,234.6");
  EXPECT_EQ(FormatChartNumber(-1234567.4), "-1,234,567");
  EXPECT_EQ(FormatChartNumber(0.0123456), "0.0123");
  EXPECT_EQ(FormatNumber(1234567.25), "1,234,567.25");
  EXPECT_EQ(FormatNumber(-0.5), "-0.5");
  EXPECT_EQ(FormatNumber(42.0), "42");
}

// The same numbers print the same way on a chart (its value labels and tooltips) and in the
// report's table: "8,000,000" in both (the report used to print 8000000 and 8M).
TEST(HtmlReportTest, ChartsAndTablesFormatNumbersAlike) {
  Table t{"top_country", "Countries", {{"country", ColumnType::kString}, {"follower_count", ColumnType::kInt},
                                       {"median", ColumnType::kDouble}}, {}};
  t.rows.push_back({std::string("A"), int64_t{8000000}, 2500000.7});
  t.rows.push_back({std::string("B"), int64_t{12345}, 1234.0});
  HtmlReport r;
  r.sections.push_back({t, BarsOf("country", "follower_count"), ""});
  r.sections.push_back({t, BarsOf("country", "median"), ""});
  auto html = RenderHtmlReport(r);
  ASSERT_TRUE(html) << html.error().message();
  EXPECT_NE(html->find(">8,000,000</text>"), std::string::npos);  // value label on the bar
  EXPECT_NE(html->find("A: 8,000,000</title>"), std::string::npos);  // tooltip
  EXPECT_NE(html->find(">8,000,000</td>"), std::string::npos);  // table
  EXPECT_NE(html->find(">2,500,000.7</td>"), std::string::npos);
  EXPECT_NE(html->find(">2,500,001</text>"), std::string::npos);  // charts round
  EXPECT_NE(html->find(">1,234</td>"), std::string::npos);
  EXPECT_EQ(html->find("8000000<"), std::string::npos);
  EXPECT_EQ(html->find("8M"), std::string::npos);
  EXPECT_EQ(html->find(".5M"), std::string::npos);
}

// Labels that share a long prefix stay apart: each keeps its distinct end around "…", and the
// full label is the text's tooltip.
TEST(BarChartTest, LongLabelsSharingAPrefixStayDistinguishable) {
  Table t{"category_by_country", "", {{"country", ColumnType::kString}, {"category", ColumnType::kString},
                                      {"category_count", ColumnType::kInt}}, {}};
  const std::string a = "Saint Helena, Ascension and Tristan da Cunha (Bouvetoya) North";
  const std::string b = "Saint Helena, Ascension and Tristan da Cunha (Bouvetoya) South";
  t.rows.push_back({a, std::string("travel"), int64_t{40}});
  t.rows.push_back({b, std::string("travel"), int64_t{30}});
  t.rows.push_back({std::string("Albania"), std::string("art"), int64_t{3}});
  ChartSpec spec = BarsOf("country", "category_count");
  spec.label_columns = {"category"};
  auto svg = RenderBarChart(t, spec);
  ASSERT_TRUE(svg) << svg.error().message();
  std::regex label(R"re(<text class="label"[^>]*><title>([^<]*)</title>([^<]*)</text>)re");
  std::map<std::string, std::string> visible;  // full -> shown
  for (auto it = std::sregex_iterator(svg->begin(), svg->end(), label); it != std::sregex_iterator(); ++it) {
    visible[(*it)[1]] = (*it)[2];
  }
  ASSERT_EQ(visible.size(), 3u) << *svg;
  const std::string va = visible[a + " · travel"], vb = visible[b + " · travel"];
  EXPECT_NE(va, vb);
  EXPECT_NE(va.find("…"), std::string::npos) << va;  // shortened, not shown whole
  EXPECT_LE(DisplayWidth(va), 44u);
  EXPECT_TRUE(va.starts_with("Saint Helena")) << va;
  EXPECT_NE(va.find("North"), std::string::npos) << va;
  EXPECT_NE(vb.find("South"), std::string::npos) << vb;
  EXPECT_EQ(visible["Albania · art"], "Albania · art");
}

TEST(HtmlReportTest, WellFormedSelfContainedAndEscaped) {
  HtmlReport r;
  r.title = "Report <&>";
  r.subtitle = "logical date 2026-11-21";
  r.summary = {{"run", "manual__x"}, {"state", "success \"ok\""}};
  ChartSpec counts = BarsOf("country", "category_count");
  counts.label_columns = {"category"};
  r.sections.push_back({Counts(), counts, "desc & more"});
  r.sections.push_back({Grouped(), GroupedBarsOf("age_group", "post_year", "median_follower_count"), ""});
  r.sections.push_back({Counts(), std::nullopt, "table only"});
  r.max_table_rows = 2;
  auto html = RenderHtmlReport(r);
  ASSERT_TRUE(html) << html.error().message();
  EXPECT_EQ(Count(*html, "<svg"), 2u);
  EXPECT_EQ(Count(*html, "<section class=\"result\""), 3u);
  EXPECT_NE(html->find("<title>Report &lt;&amp;&gt;</title>"), std::string::npos);
  EXPECT_NE(html->find("… 1 more rows"), std::string::npos);
  // One inline script (table sorting), nothing loaded.
  EXPECT_EQ(Count(*html, "<script"), 1u);
  EXPECT_NE(html->find("<script>"), std::string::npos);
  EXPECT_EQ(html->find("src="), std::string::npos);
  EXPECT_EQ(html->find("http://") , html->find("http://www.w3.org/2000/svg"));  // no other URLs
  EXPECT_EQ(html->find("https://"), std::string::npos);

  // Well-formed XML (the page is written XHTML-compatible): parse it with Python's expat.
  char tmpl[] = "/tmp/pinpipe_report_XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string path = dir + "/sub/index.html";
  ASSERT_TRUE(WriteHtmlReport(r, path));
  std::string out;
  EXPECT_EQ(RunCommand("/usr/bin/python3 -c \"import sys, xml.dom.minidom as m; "
                "d = m.parse(sys.argv[1]); print(len(d.getElementsByTagName('rect')))\" " + path,
                &out),
            0)
      << out;
  std::remove(path.c_str());
  std::remove((dir + "/sub").c_str());
  std::remove(dir.c_str());
}

TEST(HtmlReportTest, RejectsInvalidTables) {
  HtmlReport r;
  Table bad{"b", "", {{"n", ColumnType::kInt}}, {{std::string("x")}}};
  r.sections.push_back({bad, std::nullopt, ""});
  EXPECT_FALSE(RenderHtmlReport(r));
}

}  // namespace
}  // namespace pinpipe::report

namespace pinpipe::report {
namespace {

TEST(HtmlReportTest, LongTablesChartTheirTopRowsSortedAndKeepEveryRowInTheTable) {
  Table t{"top_country", "Countries",
          {{"country", ColumnType::kString}, {"join_year", ColumnType::kInt}, {"users", ColumnType::kInt}},
          {}};
  // 40 countries in alphabetical order with values that are not sorted.
  for (int i = 0; i < 40; ++i) {
    t.rows.push_back({"country " + std::to_string(100 + i), int64_t{2015}, int64_t{(i * 7919) % 40 * 100000}});
  }
  HtmlReport r;
  r.title = "t";
  r.generated_at = "2026-11-21 06:00:03 UTC";
  r.max_chart_bars = 5;
  r.sections.push_back({t, BarsOf("country", "users"), ""});
  auto html = RenderHtmlReport(r);
  ASSERT_TRUE(html) << html.error().message();
  EXPECT_EQ(Count(*html, "class=\"bar\""), 5u);
  // The five largest values, largest first.
  std::regex value("class=\"bar\"[^>]*data-value=\"([0-9]+)\"");
  std::vector<int64_t> drawn;
  for (auto it = std::sregex_iterator(html->begin(), html->end(), value); it != std::sregex_iterator(); ++it) {
    drawn.push_back(std::stoll((*it)[1]));
  }
  EXPECT_EQ(drawn, (std::vector<int64_t>{3900000, 3800000, 3700000, 3600000, 3500000}));
  EXPECT_NE(html->find("Top 5 of 40 rows by users"), std::string::npos);
  // Every row is still in the table, counts with separators, years without.
  EXPECT_EQ(Count(*html, "<tr>"), 41u);
  EXPECT_NE(html->find(">3,900,000</td>"), std::string::npos);
  EXPECT_NE(html->find(">2015</td>"), std::string::npos);
  EXPECT_NE(html->find("generated by pinpipe at 2026-11-21 06:00:03 UTC"), std::string::npos);
}

TEST(HtmlReportTest, GroupedChartsAndShortTablesAreNotCut) {
  HtmlReport r;
  r.max_chart_bars = 2;
  r.sections.push_back({Grouped(), GroupedBarsOf("age_group", "post_year", "median_follower_count"), ""});
  auto html = RenderHtmlReport(r);
  ASSERT_TRUE(html);
  EXPECT_EQ(Count(*html, "class=\"bar\""), 9u);  // 3 groups × 3 years, the null draws none
  EXPECT_EQ(html->find("<figcaption>"), std::string::npos);
}

}  // namespace
}  // namespace pinpipe::report

namespace pinpipe::report {
namespace {

// The rows of the comparison table: label → {this run, previous, change} as rendered.
std::map<std::string, std::vector<std::string>> ComparisonRows(const std::string& html) {
  std::map<std::string, std::vector<std::string>> out;
  const size_t start = html.find("<table class=\"data comparison\">");
  if (start == std::string::npos) return out;
  const std::string t = html.substr(start, html.find("</table>", start) - start);
  std::regex row(R"(<tr><td>([^<]*)</td><td class="num">([^<]*)</td><td class="num">([^<]*)</td><td class="num">([^<]*)</td></tr>)");
  for (auto it = std::sregex_iterator(t.begin(), t.end(), row); it != std::sregex_iterator(); ++it) {
    out[(*it)[1]] = {(*it)[2], (*it)[3], (*it)[4]};
  }
  return out;
}

TEST(HtmlReportTest, RunCountsAndTheComparisonWithThePreviousRun) {
  HtmlReport r;
  r.title = "t";
  r.counts = {{"pin rows quarantined", 1234567, int64_t{1234000}},
              {"pin duplicates dropped", 40, int64_t{52}},
              {"geo duplicates dropped", 7, std::nullopt}};
  r.previous_run = "2026-11-20 · run scheduled__2026-11-20";
  r.sections.push_back({Counts(), std::nullopt, ""});
  r.sections.push_back({Grouped(), std::nullopt, ""});
  r.previous_rows = {{"category_by_country", 5}, {"a_table_this_run_lacks", 9}};
  auto html = RenderHtmlReport(r);
  ASSERT_TRUE(html.has_value()) << html.error().message();
  auto rows = ComparisonRows(*html);
  ASSERT_EQ(rows.size(), 5u) << *html;
  // Each change is this run minus the previous one, from the inputs above.
  EXPECT_EQ(rows["pin rows quarantined"], (std::vector<std::string>{"1,234,567", "1,234,000", "+567"}));
  EXPECT_EQ(rows["pin duplicates dropped"], (std::vector<std::string>{"40", "52", "\u221212"}));
  EXPECT_EQ(rows["geo duplicates dropped"], (std::vector<std::string>{"7", "–", "–"}));
  // Tables: their row counts (3 and 10 rows) against previous_rows; a table only the previous
  // run had is not listed.
  EXPECT_EQ(rows["category_by_country rows"],
            (std::vector<std::string>{std::to_string(Counts().rows.size()), "5", "\u22122"}));
  EXPECT_EQ(rows["median_by_group_and_year rows"],
            (std::vector<std::string>{std::to_string(Grouped().rows.size()), "–", "–"}));
  EXPECT_NE(html->find("2026-11-20 · run scheduled__2026-11-20"), std::string::npos);
  EXPECT_EQ(Count(*html, "<script"), 1u);  // still self-contained: the sorting script only
  EXPECT_EQ(html->find("src="), std::string::npos);

  // No previous run: the counts are shown and the comparison says there is none.
  r.previous_run.clear();
  for (auto& c : r.counts) c.previous.reset();
  html = RenderHtmlReport(r);
  ASSERT_TRUE(html.has_value());
  EXPECT_NE(html->find("No previous run to compare with."), std::string::npos);
  EXPECT_EQ(ComparisonRows(*html)["pin rows quarantined"], (std::vector<std::string>{"1,234,567", "–", "–"}));

  // Without counts or a previous run, no comparison at all.
  HtmlReport plain;
  plain.title = "t";
  plain.sections.push_back({Counts(), std::nullopt, ""});
  html = RenderHtmlReport(plain);
  ASSERT_TRUE(html.has_value());
  EXPECT_EQ(html->find("comparison"), std::string::npos);
}

}  // namespace
}  // namespace pinpipe::report
