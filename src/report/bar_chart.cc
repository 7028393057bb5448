#include "report/bar_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "report/html_escape.h"
#include "report/text_width.h"

namespace pinpipe::report {
namespace {

constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
constexpr double kCharPx = 6.6;  // average advance of an 11px sans-serif character
// Every chart's viewBox is this wide: a report section's content width (html_report.cc: main's
// 1200 px content box minus the section's padding and border), so a chart fills its section at
// scale 1 and shrinks with it on a narrower window.
constexpr double kChartWidth = 1158;
constexpr size_t kMaxLabelColumns = 44;

struct ChartData {
  std::vector<std::string> categories;
  std::vector<std::string> series;  // one empty name when not grouped
  std::vector<std::vector<std::optional<double>>> values;  // [category][series]
};

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

double TextPx(const std::string& s) { return static_cast<double>(DisplayWidth(s)) * kCharPx; }

// The last code points of `utf8` that fit in `width` columns.
std::string TailToWidth(std::string_view utf8, size_t width) {
  size_t start = utf8.size();
  while (start > 0) {
    size_t prev = start - 1;
    while (prev > 0 && (static_cast<unsigned char>(utf8[prev]) & 0xC0) == 0x80) --prev;
    if (DisplayWidth(utf8.substr(prev)) > width) break;
    start = prev;
  }
  return std::string(utf8.substr(start));
}

// Visible labels of at most `width` columns, distinct whenever the full labels are: a long
// label keeps its head and its end around "…" ("Bouvet Island (Bouv…) · travel"), and labels
// that still collide give their end more room until they differ (or are shown whole).
std::vector<std::string> DistinctLabels(const std::vector<std::string>& full, size_t width) {
  std::vector<std::string> out(full.size());
  std::vector<size_t> tail(full.size(), width / 3);
  auto cut = [&](size_t i) {
    if (DisplayWidth(full[i]) <= width) return full[i];
    if (tail[i] + 2 >= width) return TailToWidth(full[i], width - 1).insert(0, "…");
    return TruncateToWidth(full[i], width - tail[i]) + TailToWidth(full[i], tail[i]);
  };
  for (size_t i = 0; i < full.size(); ++i) out[i] = cut(i);
  for (int round = 0; round < 16; ++round) {
    std::map<std::string, std::vector<size_t>> seen;
    for (size_t i = 0; i < full.size(); ++i) seen[out[i]].push_back(i);
    bool changed = false;
    for (const auto& [text, idx] : seen) {
      bool differ = false;
      for (size_t j : idx) differ |= full[j] != full[idx[0]];
      if (!differ) continue;
      for (size_t j : idx) {
        if (tail[j] + 2 >= width) continue;
        tail[j] = std::min(width, tail[j] + 4);
        out[j] = cut(j);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return out;
}

// A category label: the visible (possibly shortened) text, the full label as its tooltip.
std::string Label(double x, double y, const std::string& visible, const std::string& full, const char* anchor,
                  const std::string& extra = "") {
  return "<text class=\"label\" x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" text-anchor=\"" + anchor + "\"" + extra +
         "><title>" + HtmlEscape(full) + "</title>" + HtmlEscape(visible) + "</text>";
}

Result<int> RequireColumn(const Table& t, const std::string& name, const char* role) {
  const int i = t.ColumnIndex(name);
  if (i < 0) {
    return MakeError(ErrorCode::kInvalidArgument, "chart of table '" + t.name + "': no " + role +
                                                      " column '" + name + "'");
  }
  return i;
}

Result<ChartData> Collect(const Table& t, const ChartSpec& spec) {
  PINPIPE_ASSIGN_OR_RETURN(int cat, RequireColumn(t, spec.category_column, "category"));
  PINPIPE_ASSIGN_OR_RETURN(int val, RequireColumn(t, spec.value_column, "value"));
  if (!IsNumeric(t.columns[val].type)) {
    return MakeError(ErrorCode::kInvalidArgument, "chart of table '" + t.name + "': value column '" +
                                                      spec.value_column + "' is not numeric");
  }
  std::vector<int> labels;
  for (const auto& l : spec.label_columns) {
    PINPIPE_ASSIGN_OR_RETURN(int i, RequireColumn(t, l, "label"));
    labels.push_back(i);
  }
  int ser = -1;
  if (!spec.series_column.empty()) {
    PINPIPE_ASSIGN_OR_RETURN(ser, RequireColumn(t, spec.series_column, "series"));
  }
  ChartData d;
  std::map<std::string, size_t> cat_index, ser_index;
  if (ser < 0) d.series.emplace_back();
  for (const auto& row : t.rows) {
    if (row.size() != t.columns.size()) continue;
    std::string label = FormatValue(row[cat]);
    for (int l : labels) {
      if (!IsNull(row[l])) label += " · " + FormatValue(row[l]);
    }
    std::optional<double> v;
    if (double x; AsDouble(row[val], &x)) v = x;
    if (ser < 0) {  // one bar per row, even if labels repeat
      d.categories.push_back(label);
      d.values.push_back({v});
      continue;
    }
    auto [ci, new_cat] = cat_index.try_emplace(label, d.categories.size());
    if (new_cat) {
      d.categories.push_back(label);
      d.values.emplace_back();
    }
    const std::string s = FormatValue(row[ser]);
    auto [si, new_ser] = ser_index.try_emplace(s, d.series.size());
    if (new_ser) d.series.push_back(s);
    auto& cell = d.values[ci->second];
    cell.resize(d.series.size());
    if (!cell[si->second]) cell[si->second] = v;
  }
  for (auto& c : d.values) c.resize(d.series.size());
  return d;
}

struct Axis {
  double lo, hi;
  std::vector<double> ticks;
  double Scale(double v, double px) const { return hi > lo ? (v - lo) / (hi - lo) * px : 0; }
};

Axis ValueAxis(const ChartData& d) {
  double lo = 0, hi = 0;
  for (const auto& c : d.values) {
    for (const auto& v : c) {
      if (!v) continue;
      lo = std::min(lo, *v);
      hi = std::max(hi, *v);
    }
  }
  if (lo == hi) hi = lo + 1;
  Axis a{lo, hi, NiceTicks(lo, hi)};
  a.lo = std::min(a.lo, a.ticks.front());
  a.hi = std::max(a.hi, a.ticks.back());
  return a;
}

std::string Text(double x, double y, const std::string& s, const char* anchor,
                 const std::string& extra = "") {
  return "<text x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" text-anchor=\"" + anchor + "\"" +
         extra + ">" + HtmlEscape(s) + "</text>";
}

std::string Bar(double x, double y, double w, double h, size_t series, const std::string& tip,
                double value) {
  // A non-zero value always shows: at least one pixel long (292 followers next to 15M would
  // otherwise round to nothing). Vertical bars grow up from the baseline, horizontal ones right.
  if (value != 0) {
    if (w < 1) w = 1;
    if (h < 1) {
      y -= 1 - h;
      h = 1;
    }
  }
  char exact[32];
  std::snprintf(exact, sizeof exact, "%.17g", value);
  return "<rect class=\"bar\" x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" width=\"" + Num(w) +
         "\" height=\"" + Num(h) + "\" fill=\"" + kPalette[series % std::size(kPalette)] +
         "\" data-value=\"" + exact + "\"><title>" + HtmlEscape(tip) + "</title></rect>";
}

std::string Tip(const ChartData& d, size_t c, size_t s, double v) {
  std::string tip = d.categories[c];
  if (!d.series[s].empty()) tip += " · " + d.series[s];
  return tip + ": " + FormatChartNumber(v);
}

// Legend swatches in rows that fit `width`; returns the SVG and its height.
std::pair<std::string, double> Legend(const ChartData& d, const std::string& title, double x0,
                                      double y0, double width) {
  if (d.series.size() <= 1 && d.series[0].empty()) return {"", 0};
  std::string svg = "<g class=\"legend\">";
  double x = x0, y = y0;
  if (!title.empty()) {
    svg += Text(x, y + 10, title + ":", "start", " font-weight=\"600\"");
    x += TextPx(title) + 14;
  }
  for (size_t s = 0; s < d.series.size(); ++s) {
    const std::string name = TruncateToWidth(d.series[s], 24);
    const double w = 14 + TextPx(name) + 14;
    if (x + w > x0 + width && x > x0) {
      x = x0;
      y += 18;
    }
    svg += "<rect x=\"" + Num(x) + "\" y=\"" + Num(y + 1) + "\" width=\"10\" height=\"10\" fill=\"" +
           kPalette[s % std::size(kPalette)] + "\"/>";
    svg += Text(x + 14, y + 10, name, "start");
    x += w;
  }
  svg += "</g>";
  return {svg, y - y0 + 22};
}

std::string SvgOpen(double w, double h, const std::string& label) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 " + Num(w) +
         " " + Num(h) + "\" width=\"" + Num(w) + "\" height=\"" + Num(h) +
         "\" role=\"img\" aria-label=\"" + HtmlEscape(label) +
         "\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" "
         "font-size=\"11\" fill=\"#333\">";
}

std::string Vertical(const ChartData& d, const ChartSpec& spec, const std::string& value_title) {
  const size_t ncat = d.categories.size(), nser = d.series.size();
  const Axis axis = ValueAxis(d);
  double tick_px = 0;
  for (double t : axis.ticks) tick_px = std::max(tick_px, TextPx(FormatChartNumber(t)));
  const double left = 28 + tick_px + 8;
  const double plot_w = kChartWidth - left - 16;
  const double band = plot_w / static_cast<double>(std::max<size_t>(ncat, 1));
  // Bars no wider than 60 px each, centred in their band, however few the categories.
  const double bar_w = std::min(band * 0.8 / static_cast<double>(nser), 60.0);
  const double group_pad = (band - bar_w * static_cast<double>(nser)) / 2;
  double label_px = 0;
  const std::vector<std::string> labels = DistinctLabels(d.categories, kMaxLabelColumns);
  for (const auto& l : labels) label_px = std::max(label_px, TextPx(l));
  const bool rotate = label_px > band - 4;
  const double bottom = (rotate ? std::min(label_px * 0.62 + 16, 150.0) : 22) + 30;
  const double width = left + plot_w + 16;
  auto [legend, legend_h] = Legend(d, spec.series_column, left, 8, plot_w);
  double value_px = 0;  // the widest value label may stand upright above its bar
  for (const auto& c : d.values) {
    for (const auto& v : c) {
      if (v) value_px = std::max(value_px, TextPx(FormatChartNumber(*v)));
    }
  }
  const double top = 14 + legend_h + (value_px * 0.92 > bar_w + 2 ? value_px * 0.75 : 8);
  const double plot_h = 260;
  const double height = top + plot_h + bottom;

  std::string svg = SvgOpen(width, height, value_title + " by " + spec.category_column);
  svg += legend;
  // Grid and value axis.
  for (double t : axis.ticks) {
    const double y = top + plot_h - axis.Scale(t, plot_h);
    svg += "<line x1=\"" + Num(left) + "\" x2=\"" + Num(left + plot_w) + "\" y1=\"" + Num(y) +
           "\" y2=\"" + Num(y) + "\" stroke=\"#e3e3e3\"/>";
    svg += Text(left - 6, y + 4, FormatChartNumber(t), "end");
  }
  const double zero_y = top + plot_h - axis.Scale(0, plot_h);
  svg += "<line x1=\"" + Num(left) + "\" x2=\"" + Num(left + plot_w) + "\" y1=\"" + Num(zero_y) +
         "\" y2=\"" + Num(zero_y) + "\" stroke=\"#888\"/>";
  svg += Text(14, top + plot_h / 2, value_title, "middle",
              " transform=\"rotate(-90 14 " + Num(top + plot_h / 2) + ")\" font-weight=\"600\"");
  for (size_t c = 0; c < ncat; ++c) {
    const double x0 = left + static_cast<double>(c) * band + group_pad;
    for (size_t s = 0; s < nser; ++s) {
      const auto& v = d.values[c][s];
      if (!v) continue;
      const double x = x0 + static_cast<double>(s) * bar_w;
      const double y_v = top + plot_h - axis.Scale(*v, plot_h);
      const double y = std::min(y_v, zero_y), h = std::abs(zero_y - y_v);
      svg += Bar(x + 1, y, std::max(bar_w - 2, 1.0), h, s, Tip(d, c, s, *v), *v);
      const std::string label = FormatChartNumber(*v);
      if (TextPx(label) * 0.92 <= bar_w + 2) {
        const double ly = *v >= 0 ? y - 4 : y + h + 11;
        svg += Text(x + bar_w / 2, ly, label, "middle", " class=\"value\" font-size=\"10\"");
      } else {  // too wide for the bar: written upwards from its end
        const double lx = x + bar_w / 2 + 3, ly = *v >= 0 ? y - 4 : y + h + 4;
        svg += Text(lx, ly, label, *v >= 0 ? "start" : "end",
                    " class=\"value\" font-size=\"10\" transform=\"rotate(-90 " + Num(lx) + " " +
                        Num(ly) + ")\"");
      }
    }
    const double cx = left + (static_cast<double>(c) + 0.5) * band;
    const double ly = top + plot_h + 16;
    if (rotate) {
      svg += Label(cx, ly, labels[c], d.categories[c], "end", " transform=\"rotate(-35 " + Num(cx) + " " + Num(ly) + ")\"");
    } else {
      svg += Label(cx, ly, labels[c], d.categories[c], "middle");
    }
  }
  svg += Text(left + plot_w / 2, height - 8, spec.category_column, "middle", " font-weight=\"600\"");
  return svg + "</svg>";
}

std::string Horizontal(const ChartData& d, const ChartSpec& spec, const std::string& value_title) {
  const size_t ncat = d.categories.size(), nser = d.series.size();
  const Axis axis = ValueAxis(d);
  const std::vector<std::string> labels = DistinctLabels(d.categories, kMaxLabelColumns);
  double label_px = 0;
  for (const auto& l : labels) label_px = std::max(label_px, TextPx(l));
  const double left = 12 + label_px + 10;
  const double plot_w = kChartWidth - left - 70;
  const double bar_h = nser == 1 ? 16 : 12;
  const double band = static_cast<double>(nser) * bar_h + 8;
  const double plot_h = band * static_cast<double>(ncat);
  const double width = kChartWidth;
  auto [legend, legend_h] = Legend(d, spec.series_column, left, 8, plot_w);
  const double top = 12 + legend_h + 6;
  const double height = top + plot_h + 48;

  std::string svg = SvgOpen(width, height, value_title + " by " + spec.category_column);
  svg += legend;
  for (double t : axis.ticks) {
    const double x = left + axis.Scale(t, plot_w);
    svg += "<line x1=\"" + Num(x) + "\" x2=\"" + Num(x) + "\" y1=\"" + Num(top) + "\" y2=\"" +
           Num(top + plot_h) + "\" stroke=\"#e3e3e3\"/>";
    svg += Text(x, top + plot_h + 15, FormatChartNumber(t), "middle");
  }
  const double zero_x = left + axis.Scale(0, plot_w);
  svg += "<line x1=\"" + Num(zero_x) + "\" x2=\"" + Num(zero_x) + "\" y1=\"" + Num(top) +
         "\" y2=\"" + Num(top + plot_h) + "\" stroke=\"#888\"/>";
  svg += Text(left + plot_w / 2, height - 8, value_title, "middle", " font-weight=\"600\"");
  for (size_t c = 0; c < ncat; ++c) {
    const double y0 = top + static_cast<double>(c) * band + 4;
    for (size_t s = 0; s < nser; ++s) {
      const auto& v = d.values[c][s];
      if (!v) continue;
      const double y = y0 + static_cast<double>(s) * bar_h;
      const double x_v = left + axis.Scale(*v, plot_w);
      const double x = std::min(x_v, zero_x), w = std::abs(x_v - zero_x);
      svg += Bar(x, y + 1, w, bar_h - 2, s, Tip(d, c, s, *v), *v);
      svg += Text(*v >= 0 ? x + w + 4 : x - 4, y + bar_h - 3, FormatChartNumber(*v),
                  *v >= 0 ? "start" : "end", " class=\"value\" font-size=\"10\"");
    }
    svg += Label(left - 8, y0 + band / 2, labels[c], d.categories[c], "end");
  }
  return svg + "</svg>";
}

}  // namespace

std::vector<double> NiceTicks(double lo, double hi, int target) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / std::max(target, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  std::vector<double> ticks;
  const double first = std::floor(lo / step) * step;
  for (double t = first; t < hi + step * 0.999 && ticks.size() < 50; t += step) {
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0 : t);
    if (t >= hi) break;
  }
  return ticks;
}

std::string FormatChartNumber(double v) {
  // The report's one number rule (table.h FormatNumber): thousands separators, never "1.5M";
  // a chart rounds to 1 decimal from 100 up, 2 from 1 up, 3 significant digits below.
  const double a = std::abs(v);
  return FormatNumber(v, a >= 1e5 ? 0 : a >= 100 ? 1 : a >= 1 ? 2 : -3);
}

ChartSpec BarsOf(std::string category_column, std::string value_column) {
  ChartSpec s;
  s.category_column = std::move(category_column);
  s.value_column = std::move(value_column);
  return s;
}

ChartSpec GroupedBarsOf(std::string category_column, std::string series_column,
                        std::string value_column) {
  ChartSpec s = BarsOf(std::move(category_column), std::move(value_column));
  s.series_column = std::move(series_column);
  return s;
}

Result<std::string> RenderBarChart(const Table& table, const ChartSpec& spec) {
  PINPIPE_ASSIGN_OR_RETURN(auto data, Collect(table, spec));
  const std::string value_title =
      spec.value_axis_title.empty() ? spec.value_column : spec.value_axis_title;
  if (data.categories.empty()) {
    return SvgOpen(360, 60, "no data") + Text(180, 34, "no rows to chart", "middle") + "</svg>";
  }
  Orientation o = spec.orientation;
  if (o == Orientation::kAuto) {
    size_t longest = 0;
    for (const auto& c : data.categories) longest = std::max(longest, DisplayWidth(c));
    const size_t bars = data.categories.size() * data.series.size();
    o = bars <= 30 && data.categories.size() <= 12 && longest <= 16 ? Orientation::kVertical
                                                                    : Orientation::kHorizontal;
  }
  return o == Orientation::kVertical ? Vertical(data, spec, value_title)
                                     : Horizontal(data, spec, value_title);
}

}  // namespace pinpipe::report
