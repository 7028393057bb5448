// The web dashboard as `pinpipe serve` runs it (ui.enabled): a ui::Dashboard wired to this
// process — the data and lake directories, the run history, and DAG runs triggered from the
// UI, which run here on one thread at a time (a second trigger while one runs is refused).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "common/config.h"
#include "common/mutex.h"
#include "gateway/gateway.h"
#include "http/router.h"
#include "kinesis/stream_store.h"
#include "log/log_manager.h"
#include "ui/dashboard.h"

namespace pinpipe::cli {

struct DagEnvironment;

class EmbeddedStream;

class DashboardService {
 public:
  // Registers the dashboard's routes; call StartSampling() after the server started.
  // nullptr (no error) when ui.enabled is false. `kinesis` and `stream` (either may be null)
  // feed the streams and streaming-job pages; both must outlive the service. `extra` carries
  // the hooks the runtime wires (group members, sink control).
  static Result<std::unique_ptr<DashboardService>> StartIfEnabled(const Config& cfg, log::LogManager& log,
                                                                  gateway::Gateway& gateway, http::Router& router,
                                                                  const std::string& bind,
                                                                  const kinesis::StreamStore* kinesis = nullptr,
                                                                  const EmbeddedStream* stream = nullptr,
                                                                  ui::DashboardHooks extra = {});
  ~DashboardService();  // Stop()
  // Starts the sampler thread. Only once the HTTP server runs: the sampler reads the server's
  // route metrics, which http::Server::Start configures.
  void StartSampling();
  void Stop();
  ui::Dashboard& dashboard() { return *dashboard_; }

 private:
  DashboardService() = default;
  Result<std::string> Trigger(const std::string& dag, const std::string& date);
  Result<std::vector<ui::DagTaskNode>> Graph(const std::string& dag);
  Result<std::vector<ui::BackfillDate>> Backfill(const std::string& dag, const std::string& from, const std::string& to,
                                                 bool rerun, bool dry_run);

  Config cfg_;  // a copy: DAG environments are loaded from it later
  std::unique_ptr<ui::Dashboard> dashboard_;
  Mutex mu_;
  std::unique_ptr<DagEnvironment> env_ GUARDED_BY(mu_);  // loaded at the first trigger
  // One run or backfill at a time on run_ (a second is refused while running_).
  std::thread run_;
  std::atomic<bool> running_{false};
  std::atomic<bool> cancel_{false};
};

// True for 127.0.0.0/8, ::1 and localhost: the binds on which the dashboard needs no key.
bool IsLoopbackBind(std::string_view bind);

}  // namespace pinpipe::cli
