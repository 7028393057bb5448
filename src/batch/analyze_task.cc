// analyze: the clean Delta tables → the eight analytics → Delta tables, CSV files, terminal
// tables and the HTML report of the logical date.
#include <fmt/chrono.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <optional>

#include "batch/analytics_boundary.h"
#include "batch/data_interval.h"
#include "batch/report_convert.h"
#include "batch/run_counts.h"
#include "batch/table_reader.h"
#include "batch/table_writer.h"
#include "batch/tasks.h"
#include "common/file_system.h"
#include "lake/delta_table.h"
#include "pinterest/analytics.h"
#include "pinterest/result_csv.h"
#include "report/html_report.h"
#include "report/progress_bar.h"
#include "report/terminal_table.h"

namespace pinpipe::batch {

using pinterest::RawKind;

namespace {

const char* Question(std::string_view name) {
  if (name == "category_by_country") return "Q1 · pin ⋈ geo: RANK() = 1 of the category count per country (ties kept).";
  if (name == "category_by_year") return "Q2 · pin ⋈ geo: most popular category per year of the post, 2018–2022.";
  if (name == "top_user_by_country") return "Q3a · pin ⋈ geo: the poster(s) with the most followers per country.";
  if (name == "top_country") return "Q3b · from Q3a: the country (or tied countries) of the user with the most followers.";
  if (name == "category_by_age_group") return "Q4 · pin ⋈ user: most popular category per age group.";
  if (name == "median_followers_by_age_group") return "Q5 · pin ⋈ user: median follower count per age group.";
  if (name == "users_joined_by_year") return "Q6 · user: distinct users joined per year, 2015–2020.";
  if (name == "median_followers_by_join_year") return "Q7 · pin ⋈ user: median follower count by joining year, 2015–2020.";
  if (name == "median_followers_by_age_group_and_join_year") return "Q8 · pin ⋈ user: median follower count by age group and joining year (grouped bars).";
  return "";
}

}  // namespace

Result<orchestrator::TaskStats> RunAnalyze(const BatchSettings& s, const orchestrator::TaskContext& ctx) {
  PINPIPE_ASSIGN_OR_RETURN(auto lake, BatchLake::Open(s));
  constexpr int kSteps = 4;  // read, analytics, Delta, CSV + HTML
  ctx.ReportProgress(0, kSteps);

  // The three tables are independent: read them on three threads.
  auto pin_storage = lake->Table(CleanTablePath(RawKind::kPin));
  auto geo_storage = lake->Table(CleanTablePath(RawKind::kGeo));
  auto user_storage = lake->Table(CleanTablePath(RawKind::kUser));
  ReadStats pin_rs, geo_rs, user_rs;
  // Every date, or (dag.analytics_window_days) the partitions of the last N dates up to the run's.
  std::optional<DateRange> window;
  if (s.data_selection == DataSelection::kInterval && s.analytics_window_days > 0) {
    PINPIPE_ASSIGN_OR_RETURN(window, WindowOf(ctx.logical_date, s.analytics_window_days));
  }
  const DateRange* dates = window ? &*window : nullptr;
  auto geo_f = std::async(std::launch::async, [&] { return ReadGeoForAnalytics(*geo_storage, &geo_rs, dates); });
  auto user_f = std::async(std::launch::async, [&] { return ReadUserForAnalytics(*user_storage, &user_rs, dates); });
  auto pin = ReadPinForAnalytics(*pin_storage, &pin_rs, dates);
  auto geo = geo_f.get();
  auto user = user_f.get();
  if (!pin) return MakeError(pin.error().code(), "reading " + pin_storage->root() + ": " + pin.error().message() + " (run clean_pin first)");
  if (!geo) return MakeError(geo.error().code(), "reading " + geo_storage->root() + ": " + geo.error().message() + " (run clean_geo first)");
  if (!user) return MakeError(user.error().code(), "reading " + user_storage->root() + ": " + user.error().message() + " (run clean_user first)");
  ctx.ReportProgress(1, kSteps);
  // SIGINT/SIGTERM during a run: stop between the steps rather than at the end.
  if (ctx.cancelled()) return MakeError(ErrorCode::kUnavailable, "analyze cancelled");

  pinterest::AnalyticsOptions ao;
  ao.median = s.median;
  std::vector<pinterest::ResultTable> results = pinterest::RunAnalytics(*pin, *geo, *user, ao);
  const int64_t rows_in = static_cast<int64_t>(pin->size() + geo->size() + user->size());
  *pin = {};
  *geo = {};
  *user = {};
  ctx.ReportProgress(2, kSteps);
  if (ctx.cancelled()) return MakeError(ErrorCode::kUnavailable, "analyze cancelled");

  // The analytics cover every date in the clean tables: whole-table overwrites.
  TableCommit commit = TableCommitOf(s, ctx, /*partitioned=*/false);
  // What this run read (the live view's boundary, analytics_boundary.h), in each commit too.
  AnalyticsBoundary boundary{ctx.dag_id.empty() ? std::string(kDagId) : ctx.dag_id, ctx.run_id,
                             ctx.logical_date, 0, pin_rs.version, geo_rs.version, user_rs.version, window};
  if (commit.user_metadata && commit.user_metadata->ends_with('}')) {
    commit.user_metadata->pop_back();
    *commit.user_metadata += ",\"input_versions\":{\"pin\":" + std::to_string(pin_rs.version) +
                             ",\"geo\":" + std::to_string(geo_rs.version) +
                             ",\"user\":" + std::to_string(user_rs.version) + "}}";
  }
  std::vector<std::string> locations;
  int64_t rows_out = 0;
  for (const auto& r : results) {
    PINPIPE_ASSIGN_OR_RETURN(WrittenTable w, WriteResultTable(lake->Table(AnalyticsTablePath(r.name)), r, &commit));
    locations.push_back(w.location);
    rows_out += static_cast<int64_t>(r.num_rows());
  }
  ctx.ReportProgress(3, kSteps);

  const std::string dir = ReportDir(s, ctx.logical_date);
  report::HtmlReport html;
  html.title = "pinpipe — Pinterest batch analytics";
  html.subtitle = "logical date " + ctx.logical_date + (ctx.run_id.empty() ? "" : " · run " + ctx.run_id);
  html.generated_at = fmt::format("{:%Y-%m-%d %H:%M:%S} UTC",
                                  std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  html.summary = {{"DAG", ctx.dag_id.empty() ? std::string(kDagId) : ctx.dag_id},
                  {"logical date", ctx.logical_date},
                  {"lake", s.lake_uri},
                  {"median", std::string(pinterest::MedianModeName(s.median))},
                  {"pin rows", report::WithThousands(static_cast<int64_t>(pin_rs.rows))},
                  {"geo rows", report::WithThousands(static_cast<int64_t>(geo_rs.rows))},
                  {"user rows", report::WithThousands(static_cast<int64_t>(user_rs.rows))}};
  // Quarantined and duplicate counts of this date's clean tasks, and the previous run's.
  RunSummary summary{ctx.logical_date, ctx.run_id, {}, {}};
  for (RawKind k : {RawKind::kPin, RawKind::kGeo, RawKind::kUser}) {
    const std::string kind(pinterest::RawKindName(k));
    if (auto c = ReadCleanCounts(dir, kind)) {
      summary.counts[kind + " rows quarantined"] = c->quarantined;
      summary.counts[kind + " duplicates dropped"] = c->duplicates;
    }
  }
  const auto previous = PreviousRunSummary(JoinPath(s.data_dir, "reports"), ctx.logical_date);
  for (RawKind k : {RawKind::kPin, RawKind::kGeo, RawKind::kUser}) {
    for (const char* what : {" rows quarantined", " duplicates dropped"}) {
      const std::string label = std::string(pinterest::RawKindName(k)) + what;
      auto it = summary.counts.find(label);
      if (it == summary.counts.end()) continue;
      std::optional<int64_t> prev;
      if (previous) {
        if (auto p = previous->counts.find(label); p != previous->counts.end()) prev = p->second;
      }
      html.counts.push_back({label, it->second, prev});
    }
  }
  if (previous) {
    html.previous_run = "previous run: logical date " + previous->logical_date +
                        (previous->run_id.empty() ? "" : " · run " + previous->run_id);
    html.previous_rows = previous->tables;
  }
  for (const auto& r : results) summary.tables[r.name] = static_cast<int64_t>(r.num_rows());
  std::vector<std::string> csvs;
  if (std::error_code ec; !std::filesystem::create_directories(dir, ec) && ec) {
    return MakeError(ErrorCode::kIoError, "cannot create " + dir + ": " + ec.message());
  }
  for (const auto& r : results) {
    const std::string path = JoinPath(dir, r.name + ".csv");
    PINPIPE_RETURN_IF_ERROR(pinterest::WriteResultCsv(r, path));
    csvs.push_back(path);
    html.sections.push_back({ToReportTable(r), ChartFor(r), Question(r.name)});
    if (auto map = MapFor(r)) html.maps[r.name] = std::move(*map);
  }
  const std::string html_path = JoinPath(dir, "index.html");
  PINPIPE_RETURN_IF_ERROR(report::WriteHtmlReport(html, html_path));
  PINPIPE_RETURN_IF_ERROR(WriteRunSummary(dir, summary));
  // Last: the run has landed; a live view (src/live) moves its boundary when it sees this.
  boundary.finished_ms = lake::NowMillis();
  PINPIPE_RETURN_IF_ERROR(WriteAnalyticsBoundary(lake->store(), boundary));
  ctx.ReportProgress(4, kSteps);

  if (!s.quiet) {
    std::string out = "\n";
    report::TerminalTableOptions to;
    to.max_rows = 12;
    for (const auto& section : html.sections) out += report::RenderTerminalTable(section.table, to) + "\n";
    out += "Delta tables:\n";
    for (RawKind k : {RawKind::kPin, RawKind::kGeo, RawKind::kUser}) out += "  " + lake->Location(CleanTablePath(k)) + "\n";
    for (RawKind k : {RawKind::kPin, RawKind::kGeo, RawKind::kUser}) out += "  " + lake->Location(QuarantineTablePath(k)) + "\n";
    for (const auto& l : locations) out += "  " + l + "\n";
    out += "CSV files:\n";
    for (const auto& c : csvs) out += "  " + c + "\n";
    out += "HTML report:\n  " + html_path + "\n\n";
    std::fputs(out.c_str(), stdout);
    std::fflush(stdout);
  }

  orchestrator::TaskStats st;
  st.records_in = rows_in;
  st.records_out = rows_out;
  st.summary = std::to_string(results.size()) + " analytics tables (" + report::WithThousands(rows_out) +
               " rows) → " + lake->Location("delta/analytics") + "; report " + html_path;
  if (window) st.summary += "; window ds " + window->first + " .. " + window->last;
  return st;
}

}  // namespace pinpipe::batch
