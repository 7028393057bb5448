// pinpipe db init | load: create and fill the source database (SQLite or MySQL/MariaDB).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cli/cli_context.h"
#include "emulator/db_populate.h"
#include "report/progress_bar.h"
#include "emulator/source_db.h"

namespace pinpipe::cli {
namespace {

struct DbFlags {
  std::string db;
  int64_t rows = 11154;
  uint64_t seed = 42;
  std::string csv_dir;
  std::vector<std::string> jsonl;
  bool replace = false;
};

std::string DbUrlOrDefault(const std::string& flag, const Config& cfg) {
  return flag.empty() ? emulator::DefaultDbUrl(cfg.DataDir()) : flag;
}

void RunInit(const CliContext& ctx, const DbFlags& f) {
  Config cfg = ctx.LoadConfigOrExit();
  if (f.rows < 0) {
    PrintError(Error(ErrorCode::kInvalidArgument, "--rows must be >= 0"));
    std::exit(kExitUsage);
  }
  auto db = emulator::OpenSourceDb(DbUrlOrDefault(f.db, cfg), true);
  if (!db) {
    PrintError(db.error());
    std::exit(kExitFailure);
  }
  const auto start = std::chrono::steady_clock::now();
  report::ProgressBar bar("db init", f.rows);
  Status st = emulator::PopulateGenerated(**db, {.seed = f.seed, .rows = f.rows},
                                          [&bar](int64_t done) { bar.Update(done); });
  bar.Finish();
  if (!st) {
    PrintError(st.error());
    std::exit(kExitFailure);
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("created %s: pinterest_data, geolocation_data, user_data with %s rows each "
              "(seed %llu) in %.1f s (%s rows/s)\n",
              (*db)->Describe().c_str(), report::WithThousands(f.rows).c_str(),
              static_cast<unsigned long long>(f.seed), secs,
              report::WithThousands(static_cast<int64_t>(secs > 0 ? f.rows / secs : 0)).c_str());
}

void RunLoad(const CliContext& ctx, const DbFlags& f) {
  Config cfg = ctx.LoadConfigOrExit();
  if (f.csv_dir.empty() && f.jsonl.empty()) {
    PrintError(Error(ErrorCode::kInvalidArgument, "db load needs --csv DIR or --jsonl FILE"));
    std::exit(kExitUsage);
  }
  auto db = emulator::OpenSourceDb(DbUrlOrDefault(f.db, cfg), true);
  if (!db) {
    PrintError(db.error());
    std::exit(kExitFailure);
  }
  // Tables are created when absent (or with --replace); otherwise rows are upserted.
  const bool create = f.replace || !(*db)->CheckTables();
  int64_t last = 0;
  const bool tty = report::ProgressBar::IsTerminal(stderr);
  auto sum = emulator::LoadDumps(**db, f.csv_dir, f.jsonl, create, [&](int64_t done) {
    last = done;
    if (tty && done % 5000 == 0) std::fprintf(stderr, "\rdb load: %s rows", report::WithThousands(done).c_str());
  });
  if (tty && last >= 5000) std::fputc('\n', stderr);
  if (!sum) {
    PrintError(sum.error());
    std::exit(kExitFailure);
  }
  for (const auto& p : sum->problems) std::fprintf(stderr, "pinpipe: skipped %s\n", p.c_str());
  std::printf("loaded into %s: pinterest_data %s, geolocation_data %s, user_data %s rows; "
              "invalid rows skipped %s\n",
              (*db)->Describe().c_str(), report::WithThousands(sum->rows[0]).c_str(),
              report::WithThousands(sum->rows[1]).c_str(),
              report::WithThousands(sum->rows[2]).c_str(),
              report::WithThousands(sum->invalid).c_str());
  if (sum->invalid > 0) std::exit(kExitFailure);
}

}  // namespace

void RegisterDbCommands(CLI::App& app, CliContext& ctx) {
  auto flags = std::make_shared<DbFlags>();
  auto* db = app.add_subcommand("db", "Create and fill the source database");
  db->require_subcommand(1);
  const char* url_help =
      "sqlite:///path/file.db (default <data.dir>/source.db) or "
      "mysql://user:password@host:port/db[?socket=/path]";

  auto* init = db->add_subcommand("init", "Create the three tables and fill them with the "
                                          "deterministic dataset generator");
  init->add_option("--db", flags->db, url_help);
  init->add_option("--rows", flags->rows, "rows per table (default 11154)");
  init->add_option("--seed", flags->seed, "generator seed (default 42)");
  init->callback([&ctx, flags] { RunInit(ctx, *flags); });

  auto* load = db->add_subcommand("load", "Load the original dumps (geolocation_data.csv, "
                                          "user_data.csv, pinterest_data JSONL)");
  load->add_option("--db", flags->db, url_help);
  load->add_option("--csv", flags->csv_dir, "directory with <table>.csv files");
  load->add_option("--jsonl", flags->jsonl, "JSON-lines files of rows (any table)");
  load->add_flag("--replace", flags->replace, "drop and recreate the tables first");
  load->callback([&ctx, flags] { RunLoad(ctx, *flags); });
}

}  // namespace pinpipe::cli
