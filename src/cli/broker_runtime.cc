#include "cli/broker_runtime.h"

#include <algorithm>
#include <chrono>

#include "cli/dag_support.h"
#include "cli/dashboard_service.h"
#include "cli/live_service.h"
#include "cli/server_options.h"
#include "common/logging.h"
#include "groups/consumer_protocol.h"

namespace pinpipe::cli {

namespace {

// kafka.listener_* (the listener's own security; kafka.security_protocol and kafka.sasl_* are
// the external-cluster client's). A setting the chosen protocol would ignore is an error, so
// nobody believes a listener is protected when it is not.
Status ListenerSecurityFromConfig(const Config& cfg, kafka::BrokerOptions& o) {
  const std::string& security = cfg.GetString("kafka.listener_security");
  o.sasl = security == "sasl_plaintext" || security == "sasl_ssl";
  o.tls = security == "ssl" || security == "sasl_ssl";
  auto bad = [&](std::string_view key, std::string_view what) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(key) + " " + std::string(what) +
                                                      " (kafka.listener_security=" + security + ")");
  };
  o.sasl_users = cfg.GetString("kafka.listener_sasl_users");
  if (o.sasl && o.sasl_users.empty()) return bad("kafka.listener_sasl_users", "must list user:password,... for a SASL listener");
  if (!o.sasl && !o.sasl_users.empty()) return bad("kafka.listener_sasl_users", "is set but the listener does not use SASL");
  std::string_view mechanisms = cfg.GetString("kafka.listener_sasl_mechanisms");
  while (o.sasl && !mechanisms.empty()) {
    const size_t comma = mechanisms.find(',');
    o.sasl_mechanisms.emplace_back(mechanisms.substr(0, comma));
    mechanisms.remove_prefix(comma == std::string_view::npos ? mechanisms.size() : comma + 1);
  }
  o.tls_cert_file = cfg.GetString("kafka.listener_tls_cert_file");
  o.tls_key_file = cfg.GetString("kafka.listener_tls_key_file");
  for (auto [key, value] : {std::pair<std::string_view, const std::string*>{"kafka.listener_tls_cert_file", &o.tls_cert_file},
                            {"kafka.listener_tls_key_file", &o.tls_key_file}}) {
    if (o.tls && value->empty()) return bad(key, "must name a PEM file for a TLS listener");
    if (!o.tls && !value->empty()) return bad(key, "is set but the listener does not use TLS");
  }
  return OkStatus();
}

Result<kafka::BrokerOptions> KafkaOptionsFromConfig(const Config& cfg) {
  kafka::BrokerOptions o;
  o.bind = cfg.GetString("kafka.bind");
  PINPIPE_ASSIGN_OR_RETURN(int64_t port, cfg.GetInt("kafka.port"));
  PINPIPE_ASSIGN_OR_RETURN(int64_t max_request, cfg.GetInt("kafka.socket_request_max_bytes"));
  PINPIPE_ASSIGN_OR_RETURN(int64_t max_message, cfg.GetInt("kafka.message_max_bytes"));
  PINPIPE_ASSIGN_OR_RETURN(int64_t delay, cfg.GetInt("kafka.group_initial_rebalance_delay_ms"));
  PINPIPE_ASSIGN_OR_RETURN(o.delete_topic_enable, cfg.GetBool("kafka.delete_topic_enable"));
  o.port = static_cast<uint16_t>(port);
  o.socket_request_max_bytes = static_cast<size_t>(max_request);
  o.message_max_bytes = static_cast<size_t>(max_message);
  o.group_initial_rebalance_delay_ms = delay;
  PINPIPE_RETURN_IF_ERROR(ListenerSecurityFromConfig(cfg, o));
  return o;
}

}  // namespace

Result<std::unique_ptr<BrokerRuntime>> BrokerRuntime::Start(const Config& cfg, int port_override,
                                                            int kafka_port_override) {
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
  rt->embedded_reader_ = std::make_unique<log::EmbeddedLog>(*rt->log_);
  PINPIPE_ASSIGN_OR_RETURN(rt->cluster_, OpenClusterIfConfigured(cfg));
  if (rt->cluster_) {
    spdlog::info("kafka: external cluster {}: REST produce and the sink use it", rt->cluster_->options().bootstrap);
  }
  if (auto sink = StartEmbeddedSink(cfg, *rt->log_, rt->cluster_.get()); sink) {
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
  PINPIPE_ASSIGN_OR_RETURN(kinesis_options.throttle, cfg.GetBool("kinesis.throttle"));
  auto limits = kinesis::ParseThrottleLimits(cfg.GetString("kinesis.throttle_limits"));
  if (!limits) return MakeError(ErrorCode::kInvalidArgument, "kinesis.throttle_limits: four integers 1..2^30 expected");
  kinesis_options.throttle_limits = *limits;
  PINPIPE_ASSIGN_OR_RETURN(rt->kinesis_, kinesis::Service::Open(*rt->log_, kinesis_options));
  if (auto stream = StartEmbeddedStream(cfg, *rt->log_, &rt->kinesis_->store(), rt->cluster_.get()); stream) {
    rt->stream_ = std::move(*stream);
  } else if (stream.error().code() == ErrorCode::kCorruption) {
    // As for the sink: damaged job state keeps the job stopped, not the broker down.
    spdlog::error("stream: not started: {}; the broker runs without it", stream.error().message());
  } else {
    return std::unexpected(stream.error());
  }
  if (auto live = StartLiveService(cfg); live) {
    rt->live_ = std::move(*live);
  } else {
    // As for the sink and the stream job: the broker serves on without the live view.
    spdlog::error("live: not started: {}; the broker runs without it", live.error().message());
  }
  if (!rt->cluster_) {
    // One set of groups: the REST Proxy's consumers are members of the coordinator the Kafka
    // listener (if enabled) serves. (With kafka.bootstrap they are members of the cluster's
    // groups: cluster_consumers_ below.)
    PINPIPE_ASSIGN_OR_RETURN(int64_t delay, cfg.GetInt("kafka.group_initial_rebalance_delay_ms"));
    groups::CoordinatorOptions group_options;
    group_options.initial_rebalance_delay_ms = delay;
    rt->groups_ = std::make_unique<groups::GroupCoordinator>(group_options);
    rt->groups_->Start();
    gateway_options.consumers.coordinator = rt->groups_.get();
  }
  if (rt->cluster_) {
    // The REST Proxy's consumers join the cluster's groups (librdkafka, one per instance).
    kafka::ClusterConsumerOptions co;
    co.cluster = rt->cluster_->options();
    co.instance_timeout_ms = gateway_options.consumers.instance_timeout_ms;
    co.request_timeout_ms = gateway_options.consumers.request_timeout_ms;
    co.max_bytes = gateway_options.consumers.max_bytes;
    rt->cluster_consumers_ = std::make_unique<kafka::ClusterConsumers>(std::move(co));
    gateway_options.cluster_consumers = rt->cluster_consumers_.get();
  }
  gateway_options.kinesis = rt->kinesis_.get();
  gateway_options.writer = rt->cluster_.get();
  gateway_options.reader = rt->cluster_.get();
  gateway_options.admin = rt->cluster_.get();
  rt->gateway_ = std::make_unique<gateway::Gateway>(*rt->log_, gateway_options);
  if (rt->stream_) {
    rt->gateway_->AddHealthCheck([stream = rt->stream_.get()](std::vector<std::string>& reasons) {
      for (auto& p : stream->Problems()) reasons.push_back(std::move(p));
    });
    rt->gateway_->AddMetricsSource(
        [stream = rt->stream_.get()](std::string& out) { stream->RenderPrometheus(out); });
  }
  if (rt->cluster_) {
    rt->gateway_->AddHealthCheck([cluster = rt->cluster_.get()](std::vector<std::string>& reasons) {
      if (std::string e = cluster->ClusterError(); !e.empty()) reasons.push_back(std::move(e));
    });
  }
  if (rt->sink_) {
    rt->gateway_->AddHealthCheck([sink = rt->sink_.get()](std::vector<std::string>& reasons) {
      for (auto& p : sink->Problems()) reasons.push_back(std::move(p));
    });
  }
  http::Router router;
  rt->gateway_->RegisterRoutes(router);
  if (rt->sink_) {
    rt->sink_->RegisterRoutes(router, [gw = rt->gateway_.get()](http::Handler h) { return gw->Guard(std::move(h)); });
  }
  if (rt->live_) {
    live::RegisterLiveRoutes(router, rt->live_->view,
                             [gw = rt->gateway_.get()](http::Handler h) { return gw->Guard(std::move(h)); });
  }
  ui::DashboardHooks hooks;
  // Read only once the server runs (groups_ is set before http::Server::Start).
  hooks.group_members = [self = rt.get()](const std::string& group) { return self->GroupMembers(group); };
  hooks.kinesis_iterator_ages = [k = rt->kinesis_.get()] { return k->iterator_ages().Snapshot(k->NowMs(), 300000); };
  hooks.group_assignments = [self = rt.get()](const std::string& group) { return self->GroupAssignments(group); };
  if (rt->sink_) {
    hooks.sink_control = [sink = rt->sink_.get()](std::string_view action, bool include_tasks, bool only_failed,
                                                  int64_t task) {
      return sink->Control(action, include_tasks, only_failed, task);
    };
    hooks.sink_objects = [sink = rt->sink_.get()] { return sink->LiveObjects(); };
  }
  PINPIPE_ASSIGN_OR_RETURN(rt->dashboard_, DashboardService::StartIfEnabled(cfg, *rt->log_, *rt->gateway_, router,
                                                                         http_options.bind, &rt->kinesis_->store(),
                                                                         rt->stream_.get(), std::move(hooks)));
  // The Kafka listener first: once /healthz answers, every listener accepts.
  PINPIPE_ASSIGN_OR_RETURN(bool kafka_enabled, cfg.GetBool("kafka.enabled"));
  if (kafka_enabled && rt->cluster_) {
    // One log per deployment: a listener here would serve the embedded log beside the cluster.
    spdlog::info("kafka: no Kafka listener on kafka.port: kafka.bootstrap names an external cluster, "
                 "which Kafka clients use directly");
    kafka_enabled = false;
  }
  if (kafka_enabled) {
    PINPIPE_ASSIGN_OR_RETURN(kafka::BrokerOptions kafka_options, KafkaOptionsFromConfig(cfg));
    if (kafka_port_override >= 0) kafka_options.port = static_cast<uint16_t>(kafka_port_override);
    rt->kafka_ = std::make_unique<kafka::Broker>(*rt->log_, *rt->groups_, kafka_options);
    PINPIPE_ASSIGN_OR_RETURN(kafka::ProducerRebuild rebuilt, rt->kafka_->producers().Open(*rt->log_));
    spdlog::info("kafka: idempotent producers rebuilt from the tails of {} partitions ({} batches, "
                 "{} bytes read); next producer id {}",
                 rebuilt.partitions, rebuilt.batches, rebuilt.bytes, rebuilt.next_producer_id);
    rt->kafka_->set_other_group_members(
        [gw = rt->gateway_.get()](const std::string& group) { return gw->HasConsumerInstances(group); });
    rt->gateway_->AddMetricsSource([k = rt->kafka_.get()](std::string& out) { k->metrics().RenderPrometheus(out); });
    if (rt->dashboard_) {
      // Before StartSampling below; the dashboard is destroyed before the broker (Stop).
      rt->dashboard_->dashboard().sampler().AddSource("kafka", [k = rt->kafka_.get()](ui::Sample& s) {
        s.Counter("kafka.requests", static_cast<double>(k->metrics().TotalRequests()));
        s.Gauge("kafka.connections",
                static_cast<double>(k->metrics().connections_open.load(std::memory_order_relaxed)));
      });
    }
    PINPIPE_ASSIGN_OR_RETURN(rt->kafka_server_, kafka::KafkaServer::Start(*rt->kafka_));
    spdlog::info("kafka: Kafka protocol on {}:{}", rt->kafka_->advertised_host(),
                 rt->kafka_server_->port());
  }
  PINPIPE_ASSIGN_OR_RETURN(rt->server_, http::Server::Start(http_options, router));
  if (rt->dashboard_) rt->dashboard_->StartSampling();  // reads the route metrics Start configured
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
  // After the server (no handler can reach it any more), before the stream job its sampler reads.
  dashboard_.reset();
  live_.reset();  // after the server: its routes read the view
  stream_.reset();  // finishes the batch in flight before the log closes
  if (kafka_server_) kafka_server_->Stop();
  if (kafka_) kafka_->Stop();
  if (groups_) groups_->Stop();
  sink_.reset();  // stops the connector before the log closes
  if (cluster_) cluster_->Close();  // waits for records in flight (their answers were posted)
  if (log_) log_->Close();
}

std::vector<std::string> BrokerRuntime::GroupMembers(const std::string& group) {
  std::vector<std::string> out = gateway_->ConsumerGroupMembers(group);
  if (groups_) {
    const size_t rest = out.size();
    for (const auto& m : groups_->Describe(group).members) {
      // REST instances are members too (client id = instance name): listed once, above.
      const std::string tag = "rest:" + m.client_id;
      bool listed = std::any_of(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(rest), [&](const std::string& d) {
        return d.starts_with(tag) && (d.size() == tag.size() || d[tag.size()] == ' ');
      });
      if (listed) continue;
      out.push_back("kafka:" + m.member_id + " (" + m.client_id + "@" + m.client_host + ")");
    }
  }
  return out;
}

std::vector<ui::GroupMemberInfo> BrokerRuntime::GroupAssignments(const std::string& group) {
  std::vector<ui::GroupMemberInfo> out;
  if (!groups_) return out;
  // REST instances join the coordinator with their instance name as client id.
  std::vector<std::string> rest = gateway_->ConsumerGroupMembers(group);
  auto is_rest = [&](const std::string& client) {
    const std::string tag = "rest:" + client;
    return std::any_of(rest.begin(), rest.end(), [&](const std::string& d) {
      return d.starts_with(tag) && (d.size() == tag.size() || d[tag.size()] == ' ');
    });
  };
  for (const auto& m : groups_->Describe(group).members) {
    ui::GroupMemberInfo info{is_rest(m.client_id) ? "rest" : "kafka", m.member_id, m.client_id, m.client_host, {}};
    if (auto a = groups::DecodeAssignment(m.assignment)) {
      for (const auto& [topic, parts] : *a) {
        for (int32_t p : parts) info.partitions.emplace_back(topic, p);
      }
    }
    out.push_back(std::move(info));
  }
  return out;
}

std::string BrokerRuntime::url() const {
  std::string host = bind_ == "0.0.0.0" || bind_.empty() ? "127.0.0.1" : bind_;
  return "http://" + host + ":" + std::to_string(port());
}

}  // namespace pinpipe::cli
