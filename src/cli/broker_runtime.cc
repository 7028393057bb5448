#include "cli/broker_runtime.h"

#include <chrono>

#include "cli/dag_support.h"
#include "cli/server_options.h"
#include "common/logging.h"

namespace pinpipe::cli {

Result<std::unique_ptr<BrokerRuntime>> BrokerRuntime::Start(const Config& cfg, int port_override) {
  PINPIPE_ASSIGN_OR_RETURN(log::LogOptions log_options, LogOptionsFromConfig(cfg));
  PINPIPE_ASSIGN_OR_RETURN(http::ServerOptions http_options, HttpOptionsFromConfig(cfg));
  PINPIPE_ASSIGN_OR_RETURN(gateway::GatewayOptions gateway_options, GatewayOptionsFromConfig(cfg));
  if (port_override >= 0) http_options.port = static_cast<uint16_t>(port_override);

  std::unique_ptr<BrokerRuntime> rt(new BrokerRuntime());
  rt->bind_ = http_options.bind;
  auto started = std::chrono::steady_clock::now();
  PINPIPE_ASSIGN_OR_RETURN(rt->log_, log::LogManager::Open(log_options, &rt->recovery_));
  rt->log_open_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - started).count();
  if (uint64_t checked = rt->log_->recovery_validated_bytes(); checked > 0) {
    spdlog::info("recovery: the last run did not shut down cleanly; validated {:.1f} MiB of "
                 "active segments in {} ms", static_cast<double>(checked) / (1 << 20),
                 rt->log_open_ms_);
  }
  // (LogManager::Open logs every recovery report itself.)
  if (auto sink = StartEmbeddedSink(cfg, *rt->log_); sink) {
    rt->sink_ = std::move(*sink);
  } else if (sink.error().code() == ErrorCode::kCorruption) {
    // Damaged sink state must not keep the broker down: the log and the REST Proxy serve on,
    // the sink stays stopped until its state is repaired (`pinpipe sink status` shows it).
    spdlog::error("sink: not started: {}; the broker runs without it", sink.error().message());
  } else {
    return std::unexpected(sink.error());
  }

  kinesis::ServiceOptions kinesis_options;
  kinesis_options.region = cfg.GetString("kinesis.region");
  PINPIPE_ASSIGN_OR_RETURN(int64_t throttle, cfg.GetInt("kinesis.fault_throttle_percent"));
  PINPIPE_ASSIGN_OR_RETURN(int64_t internal, cfg.GetInt("kinesis.fault_internal_percent"));
  kinesis_options.fault_throttle_percent = static_cast<int>(throttle);
  kinesis_options.fault_internal_percent = static_cast<int>(internal);
  PINPIPE_ASSIGN_OR_RETURN(rt->kinesis_, kinesis::Service::Open(*rt->log_, kinesis_options));
  gateway_options.kinesis = rt->kinesis_.get();
  rt->gateway_ = std::make_unique<gateway::Gateway>(*rt->log_, gateway_options);
  if (rt->sink_) {
    rt->gateway_->AddHealthCheck([sink = rt->sink_.get()](std::vector<std::string>& reasons) {
      for (auto& p : sink->Problems()) reasons.push_back(std::move(p));
    });
  }
  http::Router router;
  rt->gateway_->RegisterRoutes(router);
  PINPIPE_ASSIGN_OR_RETURN(rt->server_, http::Server::Start(http_options, router));
  PINPIPE_ASSIGN_OR_RETURN(rt->scheduler_, SchedulerService::StartIfEnabled(cfg));
  return rt;
}

BrokerRuntime::~BrokerRuntime() { Stop(); }

void BrokerRuntime::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (scheduler_) {
    spdlog::info("stopping the scheduler");
    scheduler_->Stop();
    scheduler_.reset();
  }
  if (gateway_) gateway_->Stop();
  if (server_) server_->Stop();
  sink_.reset();  // stops the connector before the log closes
  if (log_) log_->Close();
}

std::string BrokerRuntime::url() const {
  std::string host = bind_ == "0.0.0.0" || bind_.empty() ? "127.0.0.1" : bind_;
  return "http://" + host + ":" + std::to_string(port());
}

}  // namespace pinpipe::cli
