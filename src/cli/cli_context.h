// What every subcommand shares: the global --config/--set options and the config they load.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "common/config.h"

namespace pinpipe::cli {

struct CliContext {
  ConfigSources sources;
  // Loads the effective config, or prints the error and exits with status 2.
  Config LoadConfigOrExit() const;
};

// Exit status for a failed command after the error was printed.
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// Prints "pinpipe: <error>" to stderr.
void PrintError(const Error& error);

// Each subcommand file registers its commands here (one function per file).
void RegisterConfigCommands(CLI::App& app, CliContext& ctx);
void RegisterServeCommands(CLI::App& app, CliContext& ctx);
void RegisterSinkCommands(CLI::App& app, CliContext& ctx);      // cmd_sink.cc
void RegisterDemoCommands(CLI::App& app, CliContext& ctx);    // cmd_demo.cc
void RegisterBatchCommands(CLI::App& app, CliContext& ctx);   // cmd_batch.cc
void RegisterDbCommands(CLI::App& app, CliContext& ctx);       // cmd_db.cc
void RegisterEmulateCommands(CLI::App& app, CliContext& ctx);  // cmd_emulate.cc
void RegisterConsumeCommands(CLI::App& app, CliContext& ctx);  // cmd_consume.cc
void RegisterLakeParquetCommands(CLI::App& app, CliContext& ctx);  // cmd_lake_parquet.cc
void RegisterLakeCommands(CLI::App& app, CliContext& ctx);         // cmd_lake.cc
void RegisterAnalyticsCommands(CLI::App& app, CliContext& ctx);  // cmd_analytics.cc
void RegisterDagCommands(CLI::App& app, CliContext& ctx);   // cmd_dag.cc (dag, scheduler)
void RegisterTaskCommands(CLI::App& app, CliContext& ctx);  // cmd_task.cc

}  // namespace pinpipe::cli
