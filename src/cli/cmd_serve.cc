// pinpipe serve: the broker in one process — the durable log and the HTTP gateway (REST Proxy
// v2, /healthz, /metrics) on 127.0.0.1:8082 by default. SIGINT/SIGTERM stop it cleanly:
// stop accepting, answer pending requests, flush the log.
#include <pthread.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>

#include "cli/broker_runtime.h"
#include "cli/cli_context.h"
#include "common/logging.h"

namespace pinpipe::cli {
namespace {

int RunServe(const CliContext& ctx) {
  Config cfg = ctx.LoadConfigOrExit();
  InitLogging(cfg.GetString("logging.level"));

  // Signals are taken synchronously by this thread (sigwait); every thread started below
  // inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto rt = BrokerRuntime::Start(cfg);
  if (!rt) {
    PrintError(rt.error());
    return rt.error().code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  spdlog::info("pinpipe serve: REST Proxy on {} ({} reactor threads), data in {}, flush {}, "
               "log opened in {} ms",
               (*rt)->url(), (*rt)->reactor_threads(),
               std::filesystem::absolute(cfg.DataDir()).string(), cfg.GetString("log.flush"),
               (*rt)->log_open_ms());

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*rt)->Stop();
  spdlog::info("stopped cleanly");
  return 0;
}

}  // namespace

void RegisterServeCommands(CLI::App& app, CliContext& ctx) {
  auto* serve = app.add_subcommand(
      "serve", "Run the broker: durable log + HTTP gateway (Kafka REST Proxy v2, /healthz, /metrics)");
  serve->callback([&ctx] { std::exit(RunServe(ctx)); });
}

}  // namespace pinpipe::cli
