#include "cli/cli_context.h"

#include <cstdio>
#include <cstdlib>

namespace pinpipe::cli {

void PrintError(const Error& error) {
  std::fprintf(stderr, "pinpipe: %s\n", error.message().c_str());
}

Config CliContext::LoadConfigOrExit() const {
  auto cfg = Config::Load(sources);
  if (!cfg) {
    PrintError(cfg.error());
    std::exit(kExitUsage);
  }
  return std::move(*cfg);
}

}  // namespace pinpipe::cli
