// pinpipe serve: the broker in one process — the durable log and the HTTP gateway (REST Proxy
// v2, /healthz, /metrics) on 127.0.0.1:8082 by default. SIGINT/SIGTERM stop it cleanly:
// stop accepting, answer pending requests, flush the log.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <pthread.h>

#include "cli/cli_context.h"
#include "cli/server_options.h"
#include "common/logging.h"
#include "gateway/gateway.h"
#include "http/server.h"
#include "log/log_manager.h"

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

  auto log_options = LogOptionsFromConfig(cfg);
  if (!log_options) {
    PrintError(log_options.error());
    return kExitUsage;
  }
  auto http_options = HttpOptionsFromConfig(cfg);
  if (!http_options) {
    PrintError(http_options.error());
    return kExitUsage;
  }
  auto gateway_options = GatewayOptionsFromConfig(cfg);
  if (!gateway_options) {
    PrintError(gateway_options.error());
    return kExitUsage;
  }

  std::vector<log::RecoveryReport> reports;
  auto started = std::chrono::steady_clock::now();
  auto log = log::LogManager::Open(*log_options, &reports);
  if (!log) {
    PrintError(log.error());
    return kExitFailure;
  }
  for (const auto& r : reports) {
    spdlog::warn("recovery: {}-{}: cut {} bytes from {} ({}); offsets {}..{} intact{}", r.topic,
                 r.partition, r.bytes_cut, r.file, r.reason, r.kept_start_offset,
                 r.kept_end_offset, r.index_rebuilt ? "; index rebuilt" : "");
  }
  auto log_open_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - started).count();

  gateway::Gateway gw(**log, *gateway_options);
  http::Router router;
  gw.RegisterRoutes(router);
  auto server = http::Server::Start(*http_options, router);
  if (!server) {
    PrintError(server.error());
    return kExitFailure;
  }
  spdlog::info("pinpipe serve: REST Proxy on http://{}:{} ({} reactor threads), data in {}, "
               "flush {}, log opened in {} ms",
               http_options->bind, (*server)->port(), (*server)->thread_count(),
               std::filesystem::absolute(cfg.DataDir()).string(),
               log_options->flush.ToString(), log_open_ms);

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  gw.Stop();
  (*server)->Stop();
  (*log)->Close();
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
