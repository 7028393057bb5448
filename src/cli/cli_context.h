// What every subcommand shares: the global options (--config, --set and the key aliases
// --data-dir, --port, --api), the configuration they load, and the exit codes.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "common/config.h"

namespace pinpipe::cli {

struct CliContext {
  ConfigSources sources;
  std::string api;  // --api: the server URL of client commands (overrides http.bind/http.port)
  // Loads the effective config (once; main checks it before any command runs), or prints the
  // error and exits with status 2.
  Config LoadConfigOrExit() const;
  // Where client commands (emulate, consume, topics, groups, produce) find the running
  // server: --api, else http://<http.bind>:<http.port> (a wildcard bind means loopback).
  std::string ServerUrl(const Config& cfg) const;

 private:
  mutable std::optional<Config> config_;
};

// Exit status: 0 ok, 1 runtime error (after the error was printed), 2 usage or configuration
// error. CLI11's own codes (105, 106, 109...) never reach the shell: main maps them to 2.
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// Prints "pinpipe: <error>" to stderr.
void PrintError(const Error& error);

// --config, --set, --data-dir, --port, --api on the top-level app (subcommands fall through).
void AddGlobalOptions(CLI::App& app, CliContext& ctx);

// Each subcommand file registers its commands here (one function per file).
void RegisterHelpCommands(CLI::App& app, CliContext& ctx);  // cmd_help.cc (help, completion, man)
void RegisterConfigCommands(CLI::App& app, CliContext& ctx);
void RegisterServeCommands(CLI::App& app, CliContext& ctx);
void RegisterSinkCommands(CLI::App& app, CliContext& ctx);      // cmd_sink.cc
void RegisterStreamCommands(CLI::App& app, CliContext& ctx);    // cmd_stream.cc
void RegisterLakeOptimizeCommands(CLI::App& app, CliContext& ctx);  // cmd_lake_optimize.cc
void RegisterDemoCommands(CLI::App& app, CliContext& ctx);    // cmd_demo.cc
void RegisterBatchCommands(CLI::App& app, CliContext& ctx);   // cmd_batch.cc
void RegisterDbCommands(CLI::App& app, CliContext& ctx);       // cmd_db.cc
void RegisterEmulateCommands(CLI::App& app, CliContext& ctx);  // cmd_emulate.cc
void RegisterConsumeCommands(CLI::App& app, CliContext& ctx);  // cmd_consume.cc
void RegisterTopicCommands(CLI::App& app, CliContext& ctx);    // cmd_topics.cc (topics, produce)
void RegisterGroupCommands(CLI::App& app, CliContext& ctx);    // cmd_groups.cc
void RegisterKinesisStreamCommands(CLI::App& app, CliContext& ctx);   // cmd_streams.cc (Kinesis streams)
void RegisterLakeParquetCommands(CLI::App& app, CliContext& ctx);  // cmd_lake_parquet.cc
void RegisterLakeCommands(CLI::App& app, CliContext& ctx);         // cmd_lake.cc
void RegisterAnalyticsCommands(CLI::App& app, CliContext& ctx);  // cmd_analytics.cc
void RegisterDagCommands(CLI::App& app, CliContext& ctx);   // cmd_dag.cc (dag, scheduler)
void RegisterTaskCommands(CLI::App& app, CliContext& ctx);  // cmd_task.cc
void RegisterStatusCommands(CLI::App& app, CliContext& ctx);  // cmd_status.cc

}  // namespace pinpipe::cli
