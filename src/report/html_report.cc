#include "report/html_report.h"

#include <algorithm>
#include <filesystem>
#include <limits>

#include "common/file_system.h"
#include "report/html_escape.h"

namespace pinpipe::report {
namespace {

constexpr const char* kStyle = R"css(
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       background: #f6f7f9; color: #222; }
header { background: #bd081c; color: #fff; padding: 20px 32px; }
header h1 { margin: 0; font-size: 24px; }
header p { margin: 6px 0 0; opacity: 0.9; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 32px 48px; }
section { background: #fff; border: 1px solid #e1e4e8; border-radius: 8px; margin: 18px 0;
          padding: 16px 20px; }
h2 { font-size: 18px; margin: 0 0 8px; }
h3 { font-size: 15px; margin: 16px 0 4px; }
p.description { margin: 0 0 12px; color: #555; }
nav ul { columns: 2; margin: 0; padding-left: 18px; }
figure { margin: 8px 0 16px; overflow-x: auto; }
figcaption { color: #666; font-size: 13px; margin-top: 4px; }
svg.chart { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #eceef1; text-align: left; }
th { background: #f0f2f5; font-weight: 600; }
th.sortable { cursor: pointer; user-select: none; }
th.sortable::after { content: " \2195"; color: #999; font-weight: 400; }
th[aria-sort=ascending]::after { content: " \2191"; color: #222; }
th[aria-sort=descending]::after { content: " \2193"; color: #222; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.null { color: #aaa; }
table.kv th { background: none; padding-right: 24px; }
.table-wrap { max-height: 420px; overflow: auto; }
p.more { color: #666; font-style: italic; margin: 6px 0 0; }
.error { color: #b00020; }
svg.worldmap { width: 100%; height: auto; display: block; background: #eef3f8; border-radius: 6px; }
svg.worldmap path { stroke: #fff; stroke-width: 0.3; }
svg.worldmap path:hover { stroke: #222; stroke-width: 0.8; }
ul.legend { list-style: none; padding: 0; margin: 6px 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 6px;
          vertical-align: -1px; }
.muted { color: #777; }
.shapeless h3 { margin-top: 8px; }
footer { text-align: center; color: #767676; font-size: 12px; padding: 12px; }
)css";

// The one script of the report, inline (the file stays self-contained, nothing is fetched):
// a click (or Enter / Space) on a column header of a table.data sorts its rows by that
// column, numbers by value ("1,234" and "−5" read back), text by code points, nulls last; a
// second click reverses. Written without "<" and "&" so the file stays well-formed XML.
constexpr const char* kSortScript = R"js(
document.querySelectorAll('table.data').forEach(function (t) {
  var ths = t.tHead.rows[0].cells;
  Array.prototype.forEach.call(ths, function (th, i) {
    th.tabIndex = 0;
    th.classList.add('sortable');
    var go = function () {
      var asc = th.getAttribute('aria-sort') !== 'ascending', num = th.classList.contains('num');
      Array.prototype.forEach.call(ths, function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      var key = function (r) {
        var c = r.cells[i];
        if (!c || c.classList.contains('null')) return null;
        var x = c.textContent;
        return num ? Number(x.replace(/,/g, '').replace('\u2212', '-')) : x;
      };
      var body = t.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (p, q) {
        var x = key(p), y = key(q);
        if (x === y) return 0;
        if (x === null) return 1;
        if (y === null) return -1;
        return (x > y ? 1 : -1) * (asc ? 1 : -1);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    };
    th.addEventListener('click', go);
    th.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); go(); }
    });
  });
});
)js";

std::string Anchor(const Table& t, size_t i) {
  std::string a = "t" + std::to_string(i);
  for (char c : t.name) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
      if (a.size() == std::to_string(i).size() + 1) a += "-";
      a.push_back(c);
    }
  }
  return a;
}

bool Grouped(const Column& c, const Value& v) {
  return c.type == ColumnType::kInt && std::holds_alternative<int64_t>(v) && c.name.find("year") == std::string::npos;
}

// The top `n` rows by the chart's value column, largest first (nulls last); `table` itself
// when it has no more rows than that.
Table TopRows(const Table& table, const ChartSpec& spec, size_t n) {
  const int col = table.ColumnIndex(spec.value_column);
  if (n == 0 || col < 0 || table.rows.size() <= n) return table;
  Table top = table;
  auto key = [col](const std::vector<Value>& r) {
    double d = 0;
    return AsDouble(r[static_cast<size_t>(col)], &d) ? d : -std::numeric_limits<double>::infinity();
  };
  std::stable_sort(top.rows.begin(), top.rows.end(), [&](const auto& a, const auto& b) { return key(a) > key(b); });
  top.rows.resize(n);
  return top;
}

std::string HtmlTable(const Table& t, size_t max_rows) {
  std::string h = "<div class=\"table-wrap\"><table class=\"data\"><thead><tr>";
  for (const auto& c : t.columns) {
    h += std::string("<th") + (IsNumeric(c.type) ? " class=\"num\"" : "") + ">" +
         HtmlEscape(c.name) + "</th>";
  }
  h += "</tr></thead><tbody>";
  const size_t shown = std::min(max_rows, t.rows.size());
  for (size_t r = 0; r < shown; ++r) {
    h += "<tr>";
    for (size_t c = 0; c < t.columns.size(); ++c) {
      const Value* v = c < t.rows[r].size() ? &t.rows[r][c] : nullptr;
      if (!v || IsNull(*v)) {
        h += "<td class=\"null\">null</td>";
        continue;
      }
      // Numbers read "8,000,000" as on the charts (FormatNumber); years stay 2015.
      std::string text;
      if (Grouped(t.columns[c], *v)) {
        text = WithThousandsSeparators(std::get<int64_t>(*v));
      } else if (const auto* d = std::get_if<double>(v); d && t.columns[c].name.find("year") == std::string::npos) {
        text = FormatNumber(*d);
      } else {
        text = FormatValue(*v);
      }
      h += std::string("<td") + (IsNumeric(t.columns[c].type) ? " class=\"num\"" : "") + ">" +
           HtmlEscape(text) + "</td>";
    }
    h += "</tr>";
  }
  h += "</tbody></table></div>";
  if (shown < t.rows.size()) {
    h += "<p class=\"more\">… " + WithThousandsSeparators(static_cast<int64_t>(t.rows.size() - shown)) +
         " more rows</p>";
  }
  return h;
}

// "+1,234", "−56" (U+2212), "0"; "–" without a previous value.
std::string Delta(int64_t now, std::optional<int64_t> prev) {
  if (!prev) return "–";
  const int64_t d = now - *prev;
  if (d == 0) return "0";
  return std::string(d > 0 ? "+" : "\u2212") + WithThousandsSeparators(d > 0 ? d : -d);
}

// The run's counts and every result table's rows, this run vs the previous one.
std::string ComparisonTable(const HtmlReport& report) {
  std::string h = "<h3 id=\"comparison\">Compared with the previous run</h3><p class=\"description\">";
  h += report.previous_run.empty() ? "No previous run to compare with." : HtmlEscape(report.previous_run);
  h += "</p><div class=\"table-wrap\"><table class=\"data comparison\"><thead><tr><th>count</th>"
       "<th class=\"num\">this run</th><th class=\"num\">previous</th><th class=\"num\">change</th></tr></thead><tbody>";
  auto row = [&](std::string_view label, int64_t v, std::optional<int64_t> prev) {
    h += "<tr><td>" + HtmlEscape(label) + "</td><td class=\"num\">" + WithThousandsSeparators(v) +
         "</td><td class=\"num\">" + (prev ? WithThousandsSeparators(*prev) : std::string("–")) +
         "</td><td class=\"num\">" + Delta(v, prev) + "</td></tr>";
  };
  for (const auto& c : report.counts) row(c.label, c.value, c.previous);
  for (const auto& s : report.sections) {
    auto prev = report.previous_rows.find(s.table.name);
    row((s.table.name.empty() ? s.table.title : s.table.name) + " rows", static_cast<int64_t>(s.table.rows.size()),
        prev == report.previous_rows.end() ? std::nullopt : std::optional<int64_t>(prev->second));
  }
  h += "</tbody></table></div>";
  return h;
}

}  // namespace

Result<std::string> RenderHtmlReport(const HtmlReport& report) {
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n";
  h += "<title>" + HtmlEscape(report.title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n";
  h += "<body>\n<header><h1>" + HtmlEscape(report.title) + "</h1>";
  if (!report.subtitle.empty()) h += "<p>" + HtmlEscape(report.subtitle) + "</p>";
  h += "</header>\n<main>\n";

  if (!report.summary.empty() || report.summary_table || !report.counts.empty() || !report.previous_run.empty()) {
    h += "<section class=\"summary\" id=\"summary\"><h2>Run summary</h2>";
    if (!report.summary.empty()) {
      h += "<table class=\"kv\"><tbody>";
      for (const auto& [k, v] : report.summary) {
        h += "<tr><th>" + HtmlEscape(k) + "</th><td>" + HtmlEscape(v) + "</td></tr>";
      }
      h += "</tbody></table>";
    }
    if (report.summary_table) h += HtmlTable(*report.summary_table, report.max_table_rows);
    if (!report.counts.empty() || !report.previous_run.empty()) h += ComparisonTable(report);
    h += "</section>\n";
  }

  if (report.sections.size() > 1) {
    h += "<section class=\"toc\"><h2>Results</h2><nav><ul>";
    for (size_t i = 0; i < report.sections.size(); ++i) {
      const Table& t = report.sections[i].table;
      h += "<li><a href=\"#" + Anchor(t, i) + "\">" + HtmlEscape(t.title.empty() ? t.name : t.title) +
           "</a></li>";
    }
    h += "</ul></nav></section>\n";
  }

  for (size_t i = 0; i < report.sections.size(); ++i) {
    const ReportSection& s = report.sections[i];
    PINPIPE_RETURN_IF_ERROR(s.table.Validate());
    h += "<section class=\"result\" id=\"" + Anchor(s.table, i) + "\"><h2>" +
         HtmlEscape(s.table.title.empty() ? s.table.name : s.table.title) + "</h2>";
    if (!s.description.empty()) h += "<p class=\"description\">" + HtmlEscape(s.description) + "</p>";
    if (auto m = report.maps.find(s.table.name); m != report.maps.end()) h += RenderWorldMap(m->second);
    if (s.chart) {
      const bool top = s.chart->series_column.empty() && report.max_chart_bars > 0 &&
                       s.table.rows.size() > report.max_chart_bars;
      auto svg = RenderBarChart(top ? TopRows(s.table, *s.chart, report.max_chart_bars) : s.table, *s.chart);
      if (!svg) return std::unexpected(svg.error());
      h += "<figure>" + *svg;
      if (top) {
        h += "<figcaption>Top " + std::to_string(report.max_chart_bars) + " of " +
             WithThousandsSeparators(static_cast<int64_t>(s.table.rows.size())) + " rows by " +
             HtmlEscape(s.chart->value_column) + "; every row is in the table below.</figcaption>";
      }
      h += "</figure>";
    }
    h += HtmlTable(s.table, report.max_table_rows);
    h += "</section>\n";
  }
  h += "</main>\n<footer>generated by pinpipe";
  if (!report.generated_at.empty()) h += " at " + HtmlEscape(report.generated_at);
  h += " · self-contained: one inline script (table sorting), no network</footer>\n";
  h += std::string("<script>") + kSortScript + "</script>\n";
  h += "</body>\n</html>\n";
  return h;
}

Status WriteHtmlReport(const HtmlReport& report, const std::string& path) {
  PINPIPE_ASSIGN_OR_RETURN(auto html, RenderHtmlReport(report));
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) PINPIPE_RETURN_IF_ERROR(FileSystem::Default()->MkdirAll(dir.string()));
  return FileSystem::Default()->WriteFileAtomically(path, html);
}

}  // namespace pinpipe::report
