#include "cli/worker_process.h"

#include <pthread.h>

#include "cli/cli_context.h"
#include "cli/server_options.h"

namespace pinpipe::cli {

std::expected<WorkerProcess, int> StartWorkerProcess(const Config& cfg, std::string_view hint) {
  WorkerProcess wp;
  sigemptyset(&wp.stop_signals);
  sigaddset(&wp.stop_signals, SIGINT);
  sigaddset(&wp.stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &wp.stop_signals, nullptr);

  auto log_options = LogOptionsFromConfig(cfg);
  if (!log_options) {
    PrintError(log_options.error());
    return std::unexpected(kExitUsage);
  }
  log_options->retention_check_interval_ms = 0;
  auto log = log::LogManager::Open(*log_options);
  if (!log) {
    PrintError(Error(log.error().code(), log.error().message() + " (" + std::string(hint) + ")"));
    return std::unexpected(kExitFailure);
  }
  wp.log = std::move(*log);
  return wp;
}

}  // namespace pinpipe::cli
