// HtmlReport: one self-contained index.html — inline CSS, inline SVG charts, no script and no
// network — with a title, a run summary block, and one section per result table (an optional
// bar chart above the table itself). The markup is also well-formed XML, so tests can parse it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "report/bar_chart.h"
#include "report/table.h"
#include "report/world_map.h"

namespace pinpipe::report {

struct ReportSection {
  Table table;
  std::optional<ChartSpec> chart;  // none: the table only
  std::string description;         // a sentence under the heading
};

// A count of the run (rows quarantined, duplicates dropped, ...) beside the previous run's.
struct RunCount {
  std::string label;
  int64_t value = 0;
  std::optional<int64_t> previous;  // none: the previous run did not record it
};

struct HtmlReport {
  std::string title;
  std::string subtitle;  // e.g. "logical date 2026-11-21 · run manual__..."
  std::vector<std::pair<std::string, std::string>> summary;  // key, value
  std::optional<Table> summary_table;  // e.g. one row per task
  // Counts shown under the summary, each with the previous run's value and the change.
  std::vector<RunCount> counts;
  // Which run the comparison is against, e.g. "2026-11-20 · run scheduled__..."; empty = no
  // previous run (the comparison columns say so). Each section adds a row: its table's rows
  // beside `previous_rows[table name]` (absent: the previous run had no such table).
  std::string previous_run;
  std::map<std::string, int64_t> previous_rows;
  std::vector<ReportSection> sections;
  // A world map drawn above the chart of the section whose table has this name (e.g. Q1's
  // most popular category per country).
  std::map<std::string, WorldMapSpec> maps;
  size_t max_table_rows = 500;  // longer tables end with "… N more rows"
  // Charts of one bar per row draw the top N rows by value (sorted, the full table follows):
  // a chart of 229 countries is unreadable. 0 = every row.
  size_t max_chart_bars = 25;
  std::string generated_at;  // shown in the footer when set, e.g. "2026-11-21 06:00:03 UTC"
};

Result<std::string> RenderHtmlReport(const HtmlReport& report);
// Renders and writes `path` atomically (creating its directory).
Status WriteHtmlReport(const HtmlReport& report, const std::string& path);

}  // namespace pinpipe::report
