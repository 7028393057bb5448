// pinpipe dag list | runs | show | run | backfill | export, and pinpipe scheduler: the DAG
// engine of src/orchestrator driven from the command line.
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli/builtin_dags.h"
#include "cli/cli_context.h"
#include "cli/output_format.h"
#include "common/json_writer.h"
#include "cli/dag_support.h"
#include "common/file_system.h"
#include "common/logging.h"
#include "orchestrator/airflow_export.h"
#include "orchestrator/backfill.h"
#include "orchestrator/civil_time.h"
#include "orchestrator/dag_runner.h"
#include "orchestrator/spark_export.h"
#include "report/task_summary.h"
#include "report/terminal_table.h"

namespace pinpipe::cli {
namespace {

using namespace orchestrator;

std::atomic<bool> g_cancel{false};

// Ctrl-C during a run: stop starting tasks, cut retry waits, record the run as failed.
void InstallCancelHandler() {
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_cancel.store(true); };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

struct DagFlags {
  std::string dag;
  std::string date;
  std::string from, to;
  bool rerun = false;
  int limit = 20;
  std::string run;
  std::string airflow_file;
  std::string spark_dir;
  std::string spark_submit = "spark-submit";
  std::string binary;
  std::string format = "table";
};

[[noreturn]] void Fail(const Error& e) {
  PrintError(e);
  std::exit(e.code() == ErrorCode::kInvalidArgument || e.code() == ErrorCode::kNotFound
                ? kExitUsage
                : kExitFailure);
}

template <typename T>
T OrFail(Result<T> r) {
  if (!r) Fail(r.error());
  return std::move(*r);
}


// Read-only commands never create the data dir or the history: without a history there are
// no runs to show.
bool HistoryExists(const Config& cfg) {
  std::error_code ec;
  return std::filesystem::exists(RunHistory::DefaultPath(cfg.DataDir()), ec);
}

Config LoadConfigQuietly(const CliContext& ctx) {
  Config cfg = ctx.LoadConfigOrExit();
  InitLogging(cfg.GetString("logging.level"));
  return cfg;
}

std::unique_ptr<DagEnvironment> LoadEnv(const CliContext& ctx, Config* cfg_out = nullptr) {
  Config cfg = LoadConfigQuietly(ctx);
  auto env = OrFail(LoadDagEnvironment(cfg));
  if (cfg_out) *cfg_out = std::move(cfg);
  return env;
}

std::string Duration(int64_t start_us, int64_t end_us) {
  if (end_us <= 0 || end_us < start_us) return "";
  return report::FormatSeconds(static_cast<double>(end_us - start_us) / 1e6);
}

void RunList(const CliContext& ctx) {
  const Config cfg = LoadConfigQuietly(ctx);
  std::unique_ptr<DagEnvironment> env;
  if (HistoryExists(cfg)) {
    env = OrFail(LoadDagEnvironment(cfg));
  } else {  // the DAGs as configured, without creating a history
    env = std::make_unique<DagEnvironment>();
    if (auto st = RegisterBuiltinDags(env->registry, cfg); !st) Fail(st.error());
  }
  report::Table t{"dags", "", {{"dag", report::ColumnType::kString},
                               {"schedule", report::ColumnType::kString},
                               {"catchup", report::ColumnType::kString},
                               {"retries", report::ColumnType::kInt},
                               {"retry_delay", report::ColumnType::kString},
                               {"next run (UTC)", report::ColumnType::kString},
                               {"graph", report::ColumnType::kString}},
                  {}};
  const TimePoint now = NowUtc();
  for (const auto& d : env->registry.dags()) {
    std::string graph;
    for (const auto& [up, down] : d.edges()) graph += (graph.empty() ? "" : ", ") + up + " >> " + down;
    const auto next = d.schedule.Next(now);
    t.rows.push_back({d.id(), d.schedule.expression(), std::string(d.catchup ? "true" : "false"),
                      static_cast<int64_t>(d.retries),
                      report::FormatSeconds(static_cast<double>(d.retry_delay.count()) / 1000),
                      next ? FormatIso(*next) : std::string("-"), graph});
  }
  report::TerminalTableOptions o;
  o.max_cell_width = 0;
  std::fputs(report::RenderTerminalTable(t, o).c_str(), stdout);
}

void RunRuns(const CliContext& ctx, const DagFlags& f) {
  std::vector<DagRunRecord> runs;
  if (const Config cfg = LoadConfigQuietly(ctx); HistoryExists(cfg)) {
    auto env = OrFail(LoadDagEnvironment(cfg));
    runs = OrFail(env->history->ListRuns(f.dag, f.limit));
  }
  // Newest first; the same columns in every format (json: one array of objects).
  report::Table t{"runs", "", {{"id", report::ColumnType::kInt},
                               {"dag_id", report::ColumnType::kString},
                               {"run_id", report::ColumnType::kString},
                               {"logical_date", report::ColumnType::kString},
                               {"trigger", report::ColumnType::kString},
                               {"state", report::ColumnType::kString},
                               {"start", report::ColumnType::kString},
                               {"duration", report::ColumnType::kString}},
                  {}};
  for (const auto& r : runs) {
    t.rows.push_back({static_cast<int64_t>(r.id), r.dag_id, r.run_id, r.logical_date,
                      std::string(TriggerName(r.trigger)), std::string(RunStateName(r.state)),
                      FormatMicros(r.start_us), Duration(r.start_us, r.end_us)});
  }
  PrintListing(t, f.format);
}

void RunShow(const CliContext& ctx, const DagFlags& f) {
  const Config cfg = LoadConfigQuietly(ctx);
  if (!HistoryExists(cfg)) {
    Fail(Error(ErrorCode::kNotFound, f.run.empty() ? "no runs yet" : "no run '" + f.run + "'"));
  }
  auto env = OrFail(LoadDagEnvironment(cfg));
  std::optional<DagRunRecord> run;
  if (f.run.empty()) {
    auto latest = OrFail(env->history->ListRuns(f.dag, 1));
    if (!latest.empty()) run = latest[0];
  } else {
    run = OrFail(env->history->FindRun(f.run));
  }
  if (!run) Fail(Error(ErrorCode::kNotFound, f.run.empty() ? "no runs yet" : "no run '" + f.run + "'"));
  if (f.format == "table") std::printf("run %s (id %lld)\n  dag           %s\n  logical date  %s\n  trigger       %s\n"
              "  state         %s\n  start         %s UTC\n  end           %s\n",
              run->run_id.c_str(), static_cast<long long>(run->id), run->dag_id.c_str(),
              run->logical_date.c_str(), std::string(TriggerName(run->trigger)).c_str(),
              std::string(RunStateName(run->state)).c_str(), FormatMicros(run->start_us).c_str(),
              run->end_us ? (FormatMicros(run->end_us) + " UTC (" + Duration(run->start_us, run->end_us) + ")").c_str() : "-");
  auto tasks = OrFail(env->history->Tasks(run->id));
  report::Table t{"tasks", "", {{"task", report::ColumnType::kString},
                                {"state", report::ColumnType::kString},
                                {"attempts", report::ColumnType::kInt},
                                {"start (UTC)", report::ColumnType::kString},
                                {"duration", report::ColumnType::kString},
                                {"in", report::ColumnType::kInt},
                                {"out", report::ColumnType::kInt},
                                {"quarantined", report::ColumnType::kInt},
                                {"summary", report::ColumnType::kString}},
                  {}};
  std::string errors;
  for (const auto& ti : tasks) {
    t.rows.push_back({ti.task_id, std::string(TaskStateName(ti.state)),
                      static_cast<int64_t>(ti.attempts),
                      ti.start_us ? FormatMicros(ti.start_us) : std::string(""),
                      ti.attempts ? report::FormatSeconds(static_cast<double>(ti.duration_us) / 1e6) : std::string(""),
                      ti.records_in, ti.records_out, ti.records_quarantined, ti.summary});
    if (!ti.error.empty()) errors += "  " + ti.task_id + ": " + ti.error + "\n";
  }
  if (f.format != "table") {  // the task instances' rows, the same in every format
    PrintListing(t, f.format);
    return;
  }
  report::TerminalTableOptions o;
  o.max_cell_width = 60;
  o.show_row_count = false;
  std::printf("\n%s", report::RenderTerminalTable(t, o).c_str());
  if (!errors.empty()) std::printf("\nerrors:\n%s", errors.c_str());
}

std::string TodayUtc() { return FormatDate(NowUtc()); }

void RunNow(const CliContext& ctx, const DagFlags& f) {
  TuneAllocatorForBatch();
  auto env = LoadEnv(ctx);
  const DagDefinition* dag = OrFail(env->registry.Resolve(f.dag));
  InstallCancelHandler();
  TerminalRunObserver observer;
  RunOptions opts;
  opts.logical_date = f.date.empty() ? TodayUtc() : f.date;
  opts.trigger = Trigger::kManual;
  opts.parallelism = env->parallelism;
  opts.cancel = &g_cancel;
  opts.observer = &observer;
  auto result = OrFail(RunDag(*dag, opts, env->history.get()));
  observer.PrintRunEnd(result);
  std::exit(result.ok() ? 0 : kExitFailure);
}

void RunBackfill(const CliContext& ctx, const DagFlags& f) {
  TuneAllocatorForBatch();
  auto env = LoadEnv(ctx);
  const DagDefinition* dag = OrFail(env->registry.Resolve(f.dag));
  InstallCancelHandler();
  TerminalRunObserver observer;
  BackfillOptions opts;
  opts.from = f.from;
  opts.to = f.to;
  opts.rerun = f.rerun;
  opts.parallelism = env->parallelism;
  opts.cancel = &g_cancel;
  opts.observer = &observer;
  opts.on_date = [](const std::string& date, bool skipped) {
    if (skipped) std::printf("%s: already succeeded, skipped (--rerun runs it again)\n", date.c_str());
  };
  auto result = OrFail(Backfill(*dag, opts, *env->history));
  int failed = 0;
  for (const auto& r : result.runs) {
    observer.PrintRunEnd(r);
    failed += r.ok() ? 0 : 1;
  }
  std::printf("backfill %s..%s: %zu runs (%d failed), %zu dates skipped\n", f.from.c_str(),
              f.to.c_str(), result.runs.size(), failed, result.skipped_dates.size());
  std::exit(result.ok() && !g_cancel ? 0 : kExitFailure);
}

std::string SelfPath() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("pinpipe") : p.string();
}

// dag export --spark DIR: the PySpark job and its settings (orchestrator/spark_export.h).
void RunSparkExport(const CliContext& ctx, const DagFlags& f) {
  Config cfg = ctx.LoadConfigOrExit();
  std::error_code ec;
  const std::string cwd = std::filesystem::current_path(ec).string();
  if (auto st = WriteSparkExport(cfg, f.spark_dir, cwd); !st) Fail(st.error());
  const auto dir = std::filesystem::path(f.spark_dir);
  std::printf("wrote the PySpark job %s and its settings %s (run it with spark-submit and "
              "delta-spark; it writes the Delta tables of `pinpipe dag run`)\n",
              (dir / kSparkJobFile).string().c_str(), (dir / kSparkConfigFile).string().c_str());
}

void RunExport(const CliContext& ctx, const DagFlags& f) {
  if (f.airflow_file.empty() && f.spark_dir.empty()) {
    Fail(Error(ErrorCode::kInvalidArgument, "dag export: give --airflow FILE, --spark DIR or both"));
  }
  if (f.airflow_file.empty()) return RunSparkExport(ctx, f);
  Config cfg;
  auto env = LoadEnv(ctx, &cfg);
  const DagDefinition* dag = OrFail(env->registry.Resolve(f.dag));
  AirflowExportOptions opts;
  opts.binary = !f.binary.empty() ? f.binary
                : !cfg.GetString("dag.binary").empty() ? cfg.GetString("dag.binary")
                                                       : SelfPath();
  // The workers run elsewhere (another directory, another environment): the tasks read the
  // whole effective configuration from a file beside the DAG, not just --config.
  std::error_code ec;
  const std::string cwd = std::filesystem::current_path(ec).string();
  opts.binary = std::filesystem::path(opts.binary).has_parent_path()
                    ? std::filesystem::absolute(opts.binary, ec).lexically_normal().string()
                    : opts.binary;
  const std::string dag_file = std::filesystem::absolute(f.airflow_file, ec).lexically_normal().string();
  opts.config_file = AirflowConfigPath(dag_file);
  if (!f.spark_dir.empty()) {
    // The Spark variant: load stays pinpipe's, the cleaning and analytics are the Spark job.
    RunSparkExport(ctx, f);
    const auto job = std::filesystem::absolute(f.spark_dir, ec).lexically_normal();
    opts.spark_command = f.spark_submit + " " + ShellQuote((job / kSparkJobFile).string()) +
                         " --config " + ShellQuote((job / kSparkConfigFile).string());
  }
  const std::string py = RenderAirflowDag(*dag, opts);
  const auto dir = std::filesystem::path(dag_file).parent_path();
  if (!dir.empty()) {
    if (auto st = FileSystem::Default()->MkdirAll(dir.string()); !st) Fail(st.error());
  }
  if (auto st = FileSystem::Default()->WriteFileAtomically(opts.config_file,
                                                           RenderAirflowConfig(cfg, cwd));
      !st) {
    Fail(st.error());
  }
  if (auto st = FileSystem::Default()->WriteFileAtomically(f.airflow_file, py); !st) Fail(st.error());
  std::printf("wrote Airflow DAG %s to %s (tasks call %s task run) and its configuration to %s\n",
              dag->id().c_str(), f.airflow_file.c_str(), opts.binary.c_str(),
              opts.config_file.c_str());
}

int RunSchedulerForeground(const CliContext& ctx) {
  Config cfg = ctx.LoadConfigOrExit();
  InitLogging(cfg.GetString("logging.level"));
  // Signals are taken synchronously by this thread; the scheduler thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto service = SchedulerService::Start(cfg);
  if (!service) Fail(service.error());
  spdlog::info("pinpipe scheduler: running (history {}); SIGINT/SIGTERM stops it",
               RunHistory::DefaultPath(cfg.DataDir()));
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, stopping the scheduler", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*service)->Stop();
  return 0;
}

}  // namespace

void RegisterDagCommands(CLI::App& app, CliContext& ctx) {
  auto flags = std::make_shared<DagFlags>();
  auto* dag = app.add_subcommand("dag", "DAGs: list, run, backfill, run history, Airflow and Spark export");
  dag->require_subcommand(1);

  dag->add_subcommand("list", "List the DAGs with their schedule and graph")
      ->callback([&ctx] { RunList(ctx); });

  auto* runs = dag->add_subcommand("runs", "List DAG runs, newest first");
  runs->add_option("--dag", flags->dag, "Only this DAG");
  runs->add_option("--limit", flags->limit, "At most N runs (0 = all)")->capture_default_str();
  AddFormatOption(runs, &flags->format);
  runs->callback([&ctx, flags] { RunRuns(ctx, *flags); });

  auto* show = dag->add_subcommand("show", "Show one run and its task instances");
  show->add_option("run", flags->run, "Run id or numeric id from `dag runs` (default: the latest)");
  show->add_option("--dag", flags->dag, "With no RUN: the latest run of this DAG");
  AddFormatOption(show, &flags->format);
  show->callback([&ctx, flags] { RunShow(ctx, *flags); });

  auto* run = dag->add_subcommand("run", "Run a DAG now for a logical date; exit 1 if it fails");
  run->add_option("--dag", flags->dag, "DAG id (default: the only DAG)");
  run->add_option("--date", flags->date, "Logical date YYYY-MM-DD (default: today, UTC)");
  run->callback([&ctx, flags] { RunNow(ctx, *flags); });

  auto* backfill = dag->add_subcommand("backfill", "Run a DAG once per date in [--from, --to]");
  backfill->add_option("--dag", flags->dag, "DAG id (default: the only DAG)");
  backfill->add_option("--from", flags->from, "First logical date YYYY-MM-DD")->required();
  backfill->add_option("--to", flags->to, "Last logical date YYYY-MM-DD")->required();
  backfill->add_flag("--rerun", flags->rerun, "Also run dates that already succeeded");
  backfill->callback([&ctx, flags] { RunBackfill(ctx, *flags); });

  auto* exp = dag->add_subcommand("export", "Write the DAG for another orchestrator");
  exp->add_option("--airflow", flags->airflow_file, "Airflow DAG file (.py) to write");
  exp->add_option("--spark", flags->spark_dir,
                  "Directory to write the cleaning and analytics as a PySpark job into "
                  "(with --airflow: the DAG's tasks after load run it)");
  exp->add_option("--spark-submit", flags->spark_submit,
                  "With --airflow and --spark: the command the Airflow task runs the job with")
      ->capture_default_str();
  exp->add_option("--dag", flags->dag, "DAG id (default: the only DAG)");
  exp->add_option("--binary", flags->binary, "pinpipe path on the Airflow workers (default: dag.binary or this binary)");
  exp->callback([&ctx, flags] { RunExport(ctx, *flags); });

  auto* sched = app.add_subcommand("scheduler", "Run the DAG scheduler in the foreground until SIGINT/SIGTERM");
  sched->callback([&ctx] { std::exit(RunSchedulerForeground(ctx)); });
}

}  // namespace pinpipe::cli
