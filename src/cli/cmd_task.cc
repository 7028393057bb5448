// pinpipe task run TASK --date D: one task for an external orchestrator (Airflow's
// BashOperator): no dependency checks and no retries here (the caller retries); the attempt is
// recorded in the run history under run "external__<date>".
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli/cli_context.h"
#include "cli/dag_support.h"
#include "common/logging.h"
#include "orchestrator/civil_time.h"
#include "orchestrator/dag_runner.h"

namespace pinpipe::cli {
namespace {

struct TaskFlags {
  std::string task;
  std::string date;
  std::string dag;
};

int RunTask(const CliContext& ctx, const TaskFlags& f) {
  TuneAllocatorForBatch();
  Config cfg = ctx.LoadConfigOrExit();
  InitLogging(cfg.GetString("logging.level"));
  // A task of an existing pipeline: in the wrong directory (Airflow's working directory, a
  // relative data.dir) it would otherwise create an empty data dir and succeed on nothing.
  std::error_code ec;
  if (!std::filesystem::is_directory(cfg.DataDir(), ec)) {
    std::fprintf(stderr,
                 "pinpipe: data dir '%s' does not exist (resolved in %s); task run works on an "
                 "existing pipeline: set data.dir (--set data.dir=DIR or --config FILE)\n",
                 cfg.DataDir().c_str(), std::filesystem::current_path(ec).c_str());
    return kExitUsage;
  }
  auto env = LoadDagEnvironment(cfg);
  if (!env) {
    PrintError(env.error());
    return kExitFailure;
  }
  auto dag = (*env)->registry.FindDagOfTask(f.task, f.dag);
  if (!dag) {
    PrintError(dag.error());
    return kExitUsage;
  }
  TerminalRunObserver observer;
  auto out = orchestrator::RunSingleTask(**dag, f.task, f.date, (*env)->history.get(), &observer);
  if (!out) {
    PrintError(out.error());
    return out.error().code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  if (out->state == orchestrator::TaskState::kSkipped) {
    // 99: Airflow's BashOperator marks the task skipped (skip_on_exit_code), and so its
    // downstream tasks — a visible "skipped: no input", not a success.
    std::fprintf(stderr, "pinpipe: task %s %s\n", f.task.c_str(), out->error.c_str());
    return 99;
  }
  if (out->state != orchestrator::TaskState::kSuccess) {
    std::fprintf(stderr, "pinpipe: task %s failed: %s\n", f.task.c_str(), out->error.c_str());
    return kExitFailure;
  }
  return 0;
}

}  // namespace

void RegisterTaskCommands(CLI::App& app, CliContext& ctx) {
  auto flags = std::make_shared<TaskFlags>();
  auto* task = app.add_subcommand("task", "Run single DAG tasks (for external orchestrators)");
  task->require_subcommand(1);
  auto* run = task->add_subcommand("run", "Run one task for a logical date, without dependency checks");
  run->add_option("task", flags->task, "Task id")->required();
  run->add_option("--date", flags->date, "Logical date YYYY-MM-DD")->required();
  run->add_option("--dag", flags->dag, "DAG id, when several DAGs have this task");
  run->callback([&ctx, flags] { std::exit(RunTask(ctx, *flags)); });
}

}  // namespace pinpipe::cli
