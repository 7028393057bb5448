// pinpipe analytics run (hidden): decode + clean + the eight analytics over raw NDJSON files,
// each result written as CSV. The second-implementation check (tests/interop/
// analytics.test.mjs) runs it and DuckDB SQL on the same files and compares every row.
// pinpipe analytics show NAME [--live] [--format F]: one analytics table — the batch view (the last
// successful run's inputs, computed from the lake) or, with --live, the running server's live
// view (GET /analytics/NAME: the batch view + every streaming-table row since).
#include <cerrno>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "batch/report_convert.h"
#include "cli/cli_context.h"
#include "cli/live_service.h"
#include "cli/rest_client.h"
#include "live/live_analytics.h"
#include "report/terminal_table.h"
#include "cli/output_format.h"
#include "common/json_writer.h"
#include "pinterest/analytics.h"
#include "pinterest/clean_export.h"
#include "pinterest/pipeline.h"
#include "pinterest/result_csv.h"

namespace pinpipe::cli {

namespace {

struct AnalyticsArgs {
  std::vector<std::string> pin, geo, user;
  std::string out;
  std::string median;  // empty: analytics.median
  bool dump_clean = false;
  bool serial = false;
  size_t live_chunk = 0;  // > 0: also time the live view fed in chunks of this many rows
};

[[noreturn]] void Fail(const Error& e) {
  PrintError(e);
  std::exit(kExitFailure);
}

std::string ReadAll(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) Fail(ErrnoError("open", path, errno).error());
  std::string data;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  data.resize(ec ? 0 : size);
  size_t got = data.empty() ? 0 : std::fread(data.data(), 1, data.size(), f);
  data.resize(got);
  char buf[1 << 16];  // the file may have grown
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
  std::fclose(f);
  return data;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

void Run(const CliContext& ctx, const AnalyticsArgs& a) {
  using namespace pinterest;
  Config cfg = ctx.LoadConfigOrExit();
  auto mode = ParseMedianMode(a.median.empty() ? cfg.GetString("analytics.median") : a.median);
  if (!mode) Fail(mode.error());
  std::error_code ec;
  std::filesystem::create_directories(a.out, ec);
  if (ec) Fail(Error(ErrorCode::kIoError, "mkdir " + a.out + ": " + ec.message()));

  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> files;
  RawInputs in;
  for (const auto* list : {&a.pin, &a.geo, &a.user})
    for (const auto& p : *list) files.push_back(ReadAll(p));
  size_t k = 0;
  for (size_t i = 0; i < a.pin.size(); ++i) in.pin.push_back(files[k++]);
  for (size_t i = 0; i < a.geo.size(); ++i) in.geo.push_back(files[k++]);
  for (size_t i = 0; i < a.user.size(); ++i) in.user.push_back(files[k++]);
  const double read_s = Seconds(t0);

  const auto t1 = std::chrono::steady_clock::now();
  CleanOutput clean = DecodeAndCleanAll(in, !a.serial);
  const double clean_s = Seconds(t1);
  files.clear();
  files.shrink_to_fit();

  const auto t2 = std::chrono::steady_clock::now();
  AnalyticsOptions opts;
  opts.median = *mode;
  opts.parallel = !a.serial;
  std::vector<ResultTable> results = RunAnalytics(clean.pin, clean.geo, clean.user, opts);
  const double analytics_s = Seconds(t2);

  // The live view's cost (bench/live.bench.sh): the same rows fed in chunks of live_chunk rows
  // of each table, a snapshot (the nine tables) after every chunk, as the follower publishes.
  double live_add_s = 0, live_snapshot_s = 0;
  size_t live_snapshots = 0;
  bool live_equal = true;
  if (a.live_chunk > 0) {
    live::LiveAnalytics state;
    using Clock = std::chrono::steady_clock;
    const size_t n = std::max({clean.pin.size(), clean.geo.size(), clean.user.size()});
    for (size_t b = 0; b < n; b += a.live_chunk) {
      const auto s0 = Clock::now();
      state.AddPins(clean.pin, b, b + a.live_chunk);
      state.AddGeos(clean.geo, b, b + a.live_chunk);
      state.AddUsers(clean.user, b, b + a.live_chunk);
      const auto s1 = Clock::now();
      auto snapshot = state.Results(*mode);
      live_add_s += std::chrono::duration<double>(s1 - s0).count();
      live_snapshot_s += Seconds(s1);
      ++live_snapshots;
    }
    const auto final_tables = state.Results(*mode);
    for (size_t i = 0; i < results.size(); ++i) {
      for (size_t c = 0; c < results[i].columns.size(); ++c) {
        const auto& x = results[i].columns[c];
        const auto& y = final_tables[i].columns[c];
        live_equal = live_equal && x.ints == y.ints && x.strings == y.strings && x.valid == y.valid &&
                     x.doubles == y.doubles;
      }
    }
  }

  for (const auto& t : results)
    if (auto st = WriteResultCsv(t, a.out + "/" + t.name + ".csv"); !st) Fail(st.error());
  if (auto st = WriteResultCsv(QuarantineToResult(clean.quarantine), a.out + "/quarantine.csv");
      !st)
    Fail(st.error());
  if (a.dump_clean) {
    for (const auto& t : {CleanPinToResult(clean.pin), CleanGeoToResult(clean.geo),
                          CleanUserToResult(clean.user)})
      if (auto st = WriteResultCsv(t, a.out + "/clean_" + t.name + ".csv"); !st) Fail(st.error());
  }

  std::string s = "{";
  auto field = [&](std::string_view name, int64_t v) {
    if (s.size() > 1) s += ",";
    AppendJsonString(s, name);
    s += ":";
    AppendJsonInt(s, v);
  };
  auto fieldd = [&](std::string_view name, double v) {
    s += ",";
    AppendJsonString(s, name);
    s += ":";
    AppendJsonDouble(s, v);
  };
  field("records", static_cast<int64_t>(clean.records));
  field("quarantined_pin", static_cast<int64_t>(clean.quarantine.Count(RawKind::kPin)));
  field("quarantined_geo", static_cast<int64_t>(clean.quarantine.Count(RawKind::kGeo)));
  field("quarantined_user", static_cast<int64_t>(clean.quarantine.Count(RawKind::kUser)));
  field("duplicates_pin", static_cast<int64_t>(clean.pin_stats.duplicates));
  field("duplicates_geo", static_cast<int64_t>(clean.geo_stats.duplicates));
  field("duplicates_user", static_cast<int64_t>(clean.user_stats.duplicates));
  field("pin_rows", static_cast<int64_t>(clean.pin.size()));
  field("geo_rows", static_cast<int64_t>(clean.geo.size()));
  field("user_rows", static_cast<int64_t>(clean.user.size()));
  fieldd("read_seconds", read_s);
  fieldd("decode_clean_seconds", clean_s);
  fieldd("analytics_seconds", analytics_s);
  if (a.live_chunk > 0) {
    const double rows = static_cast<double>(clean.pin.size() + clean.geo.size() + clean.user.size());
    fieldd("live_add_seconds", live_add_s);
    fieldd("live_ns_per_row", live_add_s * 1e9 / std::max(1.0, rows));
    fieldd("live_snapshot_ms", live_snapshot_s * 1e3 / static_cast<double>(std::max<size_t>(1, live_snapshots)));
    s += live_equal ? ",\"live_equal\":true" : ",\"live_equal\":false";
  }
  s += "}\n";
  std::FILE* f = std::fopen((a.out + "/summary.json").c_str(), "wb");
  if (!f) Fail(ErrnoError("open", a.out + "/summary.json", errno).error());
  std::fwrite(s.data(), 1, s.size(), f);
  std::fclose(f);
  std::fwrite(s.data(), 1, s.size(), stderr);
}

struct ShowArgs {
  std::string name;
  bool live = false;
  bool json = false;  // deprecated alias of --format json
  std::string format = "table";
};

int Show(const CliContext& ctx, const ShowArgs& a) {
  Config cfg = ctx.LoadConfigOrExit();
  std::string json;
  if (a.live) {
    RestClient rest = ClientFor(ctx, cfg);
    auto body = rest.Call("GET", "/analytics/" + PathSegment(a.name), "", 30000, "application/json");
    if (!body) {
      PrintError(body.error());
      return kExitFailure;
    }
    json = std::move(*body);
  } else {
    // The batch view, offline: the rows the last successful analyze read, no streaming rows.
    auto service = BuildLiveService(cfg);
    if (!service) {
      PrintError(service.error());
      return kExitFailure;
    }
    if (Status st = (*service)->follower->PollOnce(); !st) {
      PrintError(st.error());
      return kExitFailure;
    }
    auto snap = (*service)->view.Current();
    const auto& names = pinterest::AnalyticsTableNames();
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == a.name) json = live::TableJson(*snap, i, /*batch_view=*/true);
    }
    if (json.empty()) {
      PrintError(Error(ErrorCode::kNotFound, "no analytics table " + a.name));
      return kExitUsage;
    }
  }
  const std::string format = a.json ? "json" : a.format;
  if (format == "json") {  // the document itself (as GET /analytics/NAME), its rows in "rows"
    std::fwrite(json.data(), 1, json.size(), stdout);
    std::fputc('\n', stdout);
    return 0;
  }
  auto table = live::TableFromJson(json);
  if (!table) {
    PrintError(table.error());
    return kExitFailure;
  }
  if (format != "table") {  // csv, ndjson: the same rows through the one listing routine
    PrintListing(batch::ToReportTable(*table), format);
    return 0;
  }
  report::TerminalTableOptions to;
  to.max_rows = 1000;
  std::fputs(report::RenderTerminalTable(batch::ToReportTable(*table), to).c_str(), stdout);
  return 0;
}

}  // namespace

void RegisterAnalyticsCommands(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<AnalyticsArgs>();
  // Hidden (empty group): a test and benchmark hook, not a user command.
  auto* analytics = app.add_subcommand("analytics", "")->group("");
  analytics->require_subcommand(1);
  auto* run = analytics->add_subcommand(
      "run", "Decode, clean and analyse raw NDJSON files; write each result as CSV");
  run->add_option("--pin", args->pin, "raw pin NDJSON file(s)")->required();
  run->add_option("--geo", args->geo, "raw geo NDJSON file(s)")->required();
  run->add_option("--user", args->user, "raw user NDJSON file(s)")->required();
  run->add_option("--out", args->out, "output directory")->required();
  run->add_option("--median", args->median, "lower | interpolated (default analytics.median)");
  run->add_flag("--dump-clean", args->dump_clean, "also write the clean tables as CSV");
  run->add_flag("--serial", args->serial, "one thread (for timing comparisons)");
  run->add_option("--live-chunk", args->live_chunk, "also time the live view fed in chunks of N rows per table");
  run->callback([&ctx, args] { Run(ctx, *args); });
  auto show_args = std::make_shared<ShowArgs>();
  auto* show = analytics->add_subcommand("show", "Print one analytics table: the batch view, or with --live the server's live view");
  show->add_option("name", show_args->name, "table name, e.g. category_by_country")->required();
  show->add_flag("--live", show_args->live, "the running server's live view: the last batch run + every streaming row since");
  AddFormatOption(show, &show_args->format);
  show->add_flag("--json", show_args->json, "The same as --format json (deprecated)");
  show->callback([&ctx, show_args] { std::exit(Show(ctx, *show_args)); });
}

}  // namespace pinpipe::cli
