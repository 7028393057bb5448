// pinpipe: the Pinterest data pipeline in one binary. Each subcommand lives in its own
// cmd_*.cc file and registers itself here.
#include <CLI/CLI.hpp>

#include "cli/cli_context.h"

int main(int argc, char** argv) {
  pinpipe::cli::CliContext ctx;
  CLI::App app{
      "pinpipe — the Pinterest data pipeline: REST Proxy + durable log + lake + batch and "
      "streaming cleaning, in one binary"};
  app.name("pinpipe");
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", "pinpipe 0.1.0");
  app.add_option("--config", ctx.sources.file, "TOML configuration file (default ./pinpipe.toml)");
  app.add_option("--set", ctx.sources.sets, "Override a configuration key: --set http.port=9000");

  pinpipe::cli::RegisterConfigCommands(app, ctx);
  pinpipe::cli::RegisterServeCommands(app, ctx);
  pinpipe::cli::RegisterSinkCommands(app, ctx);
  pinpipe::cli::RegisterDemoCommands(app, ctx);
  pinpipe::cli::RegisterBatchCommands(app, ctx);
  pinpipe::cli::RegisterDbCommands(app, ctx);
  pinpipe::cli::RegisterEmulateCommands(app, ctx);
  pinpipe::cli::RegisterConsumeCommands(app, ctx);
  pinpipe::cli::RegisterLakeParquetCommands(app, ctx);
  pinpipe::cli::RegisterLakeCommands(app, ctx);
  pinpipe::cli::RegisterAnalyticsCommands(app, ctx);
  pinpipe::cli::RegisterDagCommands(app, ctx);
  pinpipe::cli::RegisterTaskCommands(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}
