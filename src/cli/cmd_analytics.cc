// pinpipe analytics run (hidden): decode + clean + the eight analytics over raw NDJSON files,
// each result written as CSV. The second-implementation check (tests/interop/
// analytics.test.mjs) runs it and DuckDB SQL on the same files and compares every row.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/cli_context.h"
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
  s += "}\n";
  std::FILE* f = std::fopen((a.out + "/summary.json").c_str(), "wb");
  if (!f) Fail(ErrnoError("open", a.out + "/summary.json", errno).error());
  std::fwrite(s.data(), 1, s.size(), f);
  std::fclose(f);
  std::fwrite(s.data(), 1, s.size(), stderr);
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
  run->callback([&ctx, args] { Run(ctx, *args); });
}

}  // namespace pinpipe::cli
