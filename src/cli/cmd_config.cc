// pinpipe config show: the effective configuration and where each value came from.
#include <cstdio>

#include "cli/cli_context.h"

namespace pinpipe::cli {

void RegisterConfigCommands(CLI::App& app, CliContext& ctx) {
  auto* config = app.add_subcommand("config", "Inspect the configuration");
  config->require_subcommand(1);
  auto* show = config->add_subcommand(
      "show", "Print the effective configuration (defaults < pinpipe.toml < PINPIPE_* env < --set)");
  show->callback([&ctx] {
    Config cfg = ctx.LoadConfigOrExit();
    std::fputs(cfg.Show().c_str(), stdout);
  });
}

}  // namespace pinpipe::cli
