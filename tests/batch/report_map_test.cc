// Q1 on the report's world map: one path per mapped country filled with its category's colour,
// the shapeless countries listed beside, and the report still self-contained.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <string>

#include "batch/report_convert.h"
#include "pinterest/analytics.h"
#include "pinterest/country_codes.h"
#include "report/html_escape.h"
#include "report/html_report.h"
#include "report/world_map.h"
#include "report/world_shapes.h"

namespace pinpipe::batch {
namespace {

// The table's `shaped` flags are true to the generated geometry (a build without geometry has
// no shapes: then only the report's fallback is checked).
TEST(ReportMapTest, ShapedFlagsMatchTheGeometry) {
  if (report::WorldShapes().empty()) GTEST_SKIP() << "built without the country geometry";
  EXPECT_GT(report::WorldShapes().size(), 200u);
  for (const auto& c : pinterest::CountryCodes()) {
    EXPECT_EQ(c.shaped, report::FindWorldShape(c.iso) != nullptr) << c.name << " (" << c.iso << ")";
  }
}

// A Q1 table over every country of the dataset: categories cycle, every 7th country has a tie.
pinterest::ResultTable Q1() {
  pinterest::ResultTable t = pinterest::EmptyAnalyticsTable(0, pinterest::MedianMode::kLower);
  const char* cats[] = {"travel", "art", "quotes", "education", "diy-and-crafts"};
  size_t i = 0;
  for (const auto& c : pinterest::CountryCodes()) {
    t.columns[0].PushString(c.name);
    t.columns[1].PushString(cats[i % 5]);
    t.columns[2].PushInt(static_cast<int64_t>(100 + i));
    if (i % 7 == 0) {
      t.columns[0].PushString(c.name);
      t.columns[1].PushString("zz-tie");
      t.columns[2].PushInt(static_cast<int64_t>(100 + i));
    }
    ++i;
  }
  return t;
}

TEST(ReportMapTest, OnePathPerMappedCountryWithItsCategoryColour) {
  const pinterest::ResultTable q1 = Q1();
  ASSERT_EQ(q1.name, "category_by_country");
  auto spec = MapFor(q1);
  ASSERT_TRUE(spec);
  ASSERT_EQ(spec->regions.size(), pinterest::CountryCodes().size());
  report::HtmlReport html;
  html.title = "t";
  html.sections.push_back({ToReportTable(q1), ChartFor(q1), "Q1"});
  html.maps[q1.name] = *spec;
  auto out = report::RenderHtmlReport(html);
  ASSERT_TRUE(out) << out.error().message();
  const std::string& h = *out;

  // Self-contained: nothing is loaded from the network.
  EXPECT_FALSE(std::regex_search(h, std::regex(R"((src|href)\s*=\s*["']?\s*(https?:)?//)", std::regex::icase)));
  EXPECT_EQ(h.find("<script"), h.rfind("<script"));  // the tables' sorting script only
  EXPECT_EQ(h.find("<script src"), std::string::npos);

  // Colours: categories in byte order take the palette in turn ("zz-tie" never colours).
  std::map<std::string, std::string> color;
  size_t k = 0;
  for (const char* c : {"art", "diy-and-crafts", "education", "quotes", "travel"}) color[c] = report::CategoryColor(k++);

  std::map<int, std::string> expected;  // iso → category, for the shaped countries
  std::set<std::string> shapeless;
  size_t i = 0;
  const char* cats[] = {"travel", "art", "quotes", "education", "diy-and-crafts"};
  for (const auto& c : pinterest::CountryCodes()) {
    if (c.shaped && report::FindWorldShape(c.iso)) expected[c.iso] = cats[i % 5];
    else shapeless.insert(std::string(c.name));
    ++i;
  }
  if (report::WorldShapes().empty()) {
    EXPECT_NE(h.find("No country geometry in this build"), std::string::npos);
  } else {
    EXPECT_NE(h.find("role=\"img\""), std::string::npos);
    const std::regex path(R"re(<path class="country" data-iso="(\d+)" data-country="[^"]*" data-category="([^"]*)" fill="([^"]*)")re");
    std::map<int, int> seen;
    for (std::sregex_iterator it(h.begin(), h.end(), path), end; it != end; ++it) {
      const int iso = std::stoi((*it)[1]);
      ++seen[iso];
      ASSERT_TRUE(expected.contains(iso)) << iso;
      EXPECT_EQ((*it)[2], expected[iso]) << iso;
      EXPECT_EQ((*it)[3], color[expected[iso]]) << iso;
    }
    EXPECT_EQ(seen.size(), expected.size());
    for (const auto& [iso, n] : seen) EXPECT_EQ(n, 1) << iso;
    // Shapes without data are drawn grey; every shape is drawn once.
    size_t nodata = 0;
    for (size_t at = h.find("class=\"country nodata\""); at != std::string::npos; at = h.find("class=\"country nodata\"", at + 1)) ++nodata;
    EXPECT_EQ(seen.size() + nodata, report::WorldShapes().size());
  }
  // Every country without a shape is in the table beside the map.
  const size_t table_at = h.find("Not on the map (" + std::to_string(shapeless.size()) + ":");
  ASSERT_NE(table_at, std::string::npos);
  for (const auto& n : shapeless) EXPECT_NE(h.find("<td>" + report::HtmlEscape(n) + "</td>", table_at), std::string::npos) << n;
  // Ties show in the tooltip.
  EXPECT_NE(h.find(", zz-tie (pins "), std::string::npos);
}

TEST(ReportMapTest, OnlyQ1GetsAMap) {
  pinterest::ResultTable t = pinterest::EmptyAnalyticsTable(1, pinterest::MedianMode::kLower);
  EXPECT_FALSE(MapFor(t));
}

}  // namespace
}  // namespace pinpipe::batch
