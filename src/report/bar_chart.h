// Bar charts as inline SVG (no script, no fonts to fetch): vertical or horizontal bars with a
// value axis (nice ticks, grid lines), category labels, value labels and a legend for grouped
// bars. The chart is described by which columns of a generic Table hold the category, the
// optional series (grouped bars, e.g. age_group × year) and the value.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "report/table.h"

namespace pinpipe::report {

enum class Orientation { kAuto, kVertical, kHorizontal };

struct ChartSpec {
  std::string category_column;
  // Appended to the category label, e.g. {"category"} gives "Albania · sport" (top-with-ties
  // tables may hold several rows per category).
  std::vector<std::string> label_columns;
  // Empty: one bar per row. Otherwise one group per category and one bar per series value;
  // the first row of a (category, series) pair wins.
  std::string series_column;
  std::string value_column;  // kInt or kDouble; null cells draw no bar
  Orientation orientation = Orientation::kAuto;
  std::string value_axis_title;  // default: the value column's name
};

// One bar per row / grouped bars, the other fields at their defaults.
ChartSpec BarsOf(std::string category_column, std::string value_column);
ChartSpec GroupedBarsOf(std::string category_column, std::string series_column,
                        std::string value_column);

// An <svg> element. Every bar is a <rect class="bar" data-value=...> with a <title> tooltip.
Result<std::string> RenderBarChart(const Table& table, const ChartSpec& spec);

// Tick positions for an axis covering [lo, hi] with about `target` steps of 1, 2 or 5 × 10^k.
std::vector<double> NiceTicks(double lo, double hi, int target = 5);
// "12,345", "0.25", "1,500,000": a number on a chart, rounded (FormatNumber's rule, as tables).
std::string FormatChartNumber(double v);

}  // namespace pinpipe::report
