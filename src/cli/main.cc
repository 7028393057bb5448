// pinpipe: the Pinterest data pipeline in one binary. Each subcommand lives in its own
// cmd_*.cc file and registers itself here. main() owns what every command shares: the global
// options, the configuration check before any command runs, and the exit codes
// (0 ok, 1 runtime error, 2 usage or configuration error).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "cli/build_info.h"
#include "cli/cli_context.h"
#include "cli/command_tree.h"

int main(int argc, char** argv) {
  using namespace pinpipe::cli;
  CliContext ctx;
  CLI::App app{
      "pinpipe — the Pinterest data pipeline: Kafka REST Proxy + durable log + S3 sink + "
      "Delta lake + batch cleaning and analytics + DAG scheduler, in one binary"};
  app.name("pinpipe");
  app.require_subcommand(1);
  app.fallthrough();
  app.footer(
      "Configuration: defaults < pinpipe.toml < PINPIPE_<SECTION>_<KEY> < --set/flags; "
      "`pinpipe config show` lists the keys.\n"
      "Exit status: 0 ok, 1 runtime error, 2 usage or configuration error.\n"
      "`pinpipe help COMMAND` shows a command's options.");
  app.set_version_flag("--version", std::string(VersionLine()), "Print the version and git commit");
  AddGlobalOptions(app, ctx);

  RegisterHelpCommands(app, ctx);
  RegisterConfigCommands(app, ctx);
  RegisterServeCommands(app, ctx);
  RegisterSinkCommands(app, ctx);
  RegisterStreamCommands(app, ctx);
  RegisterDemoCommands(app, ctx);
  RegisterBatchCommands(app, ctx);
  RegisterDbCommands(app, ctx);
  RegisterEmulateCommands(app, ctx);
  RegisterConsumeCommands(app, ctx);
  RegisterTopicCommands(app, ctx);
  RegisterGroupCommands(app, ctx);
  RegisterKinesisStreamCommands(app, ctx);
  RegisterLakeParquetCommands(app, ctx);
  RegisterLakeCommands(app, ctx);
  RegisterLakeOptimizeCommands(app, ctx);
  RegisterAnalyticsCommands(app, ctx);
  RegisterDagCommands(app, ctx);
  RegisterTaskCommands(app, ctx);
  RegisterStatusCommands(app, ctx);

  // The configuration is checked once, before any command runs (help and the other meta
  // commands need none).
  app.parse_complete_callback([&app, &ctx] {
    if (!IsMetaCommand(app)) ctx.LoadConfigOrExit();
  });

  if (argc <= 1) {  // bare `pinpipe`: the overview, as git and cargo print
    std::fputs(app.help().c_str(), stdout);
    return 0;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    return ReportUsageError(app, argc, argv, e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pinpipe: %s\n", e.what());
    return kExitFailure;
  }
  return 0;
}
