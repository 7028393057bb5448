#include "cli/dashboard_service.h"

#include "cli/cmd_stream.h"
#include "cli/dag_support.h"
#include "common/logging.h"
#include "common/mutex.h"
#include "objstore/open_object_store.h"
#include "orchestrator/backfill.h"
#include "orchestrator/civil_time.h"
#include "orchestrator/dag_runner.h"
#include "orchestrator/run_history.h"

namespace pinpipe::cli {

bool IsLoopbackBind(std::string_view bind) {
  return bind.starts_with("127.") || bind == "::1" || bind == "[::1]" || bind == "localhost";
}

Result<std::unique_ptr<DashboardService>> DashboardService::StartIfEnabled(const Config& cfg, log::LogManager& log,
                                                                           gateway::Gateway& gateway,
                                                                           http::Router& router,
                                                                           const std::string& bind,
                                                                           const kinesis::StreamStore* kinesis,
                                                                           const EmbeddedStream* stream,
                                                                           ui::DashboardHooks extra) {
  PINPIPE_ASSIGN_OR_RETURN(bool enabled, cfg.GetBool("ui.enabled"));
  if (!enabled) return nullptr;
  std::unique_ptr<DashboardService> s(new DashboardService());
  s->cfg_ = cfg;
  ui::DashboardOptions o;
  o.data_dir = cfg.DataDir();
  std::string lake = cfg.LakeUri();
  if (lake.starts_with("file://")) lake = lake.substr(7);
  if (lake.find("://") == std::string::npos) o.lake_dir = lake;
  o.lake_uri = cfg.LakeUri();
  if (o.lake_dir.empty()) {
    o.open_lake_store = [cfg]() { return objstore::OpenLakeStore(cfg); };
  }
  o.topics_dir = cfg.GetString("sink.topics_dir");
  o.assets_dir = cfg.GetString("ui.dir");
  o.run_history_path = orchestrator::RunHistory::DefaultPath(cfg.DataDir());
  PINPIPE_ASSIGN_OR_RETURN(bool sink, cfg.GetBool("sink.enabled"));
  if (sink) o.sink_state_dir = cfg.DataDir() + "/state/sink";
  o.api_key = cfg.GetString("http.api_key");
  // With a key set the dashboard wants it like the REST routes do, on any bind: a key the REST
  // Proxy enforces must not be bypassed through the dashboard's produce or reset forms.
  o.require_auth = !IsLoopbackBind(bind) || !o.api_key.empty();
  if (o.require_auth && o.api_key.empty()) {
    spdlog::warn("ui: http.bind {} is not a loopback address and http.api_key is empty: the dashboard "
                 "refuses every request until a key is set", bind);
  }
  ui::DashboardHooks hooks = std::move(extra);
  DashboardService* self = s.get();
  hooks.dag_ids = [self]() {
    std::vector<std::string> ids;
    MutexLock lock(self->mu_);
    if (!self->env_) {
      auto env = LoadDagEnvironment(self->cfg_);
      if (!env) return ids;
      self->env_ = std::move(*env);
    }
    for (const auto& d : self->env_->registry.dags()) ids.push_back(d.id());
    return ids;
  };
  hooks.trigger_dag = [self](const std::string& dag, const std::string& date) { return self->Trigger(dag, date); };
  hooks.dag_graph = [self](const std::string& dag) { return self->Graph(dag); };
  hooks.backfill_dag = [self](const std::string& dag, const std::string& from, const std::string& to, bool rerun,
                              bool dry_run) { return self->Backfill(dag, from, to, rerun, dry_run); };
  if (kinesis) hooks.kinesis_streams = [kinesis] { return kinesis->All(); };
  if (stream) hooks.stream_status = [stream] { return stream->StatusJson(); };
  s->dashboard_ = std::make_unique<ui::Dashboard>(log, std::move(o), std::move(hooks));
  s->dashboard_->RegisterRoutes(router);
  gateway.AddMetricsSource([d = s->dashboard_.get()](std::string& out) { d->RenderPrometheus(out); });
  return s;
}

void DashboardService::StartSampling() { dashboard_->Start(); }

Result<std::string> DashboardService::Trigger(const std::string& dag_id, const std::string& date) {
  MutexLock lock(mu_);
  if (running_.load()) return MakeError(ErrorCode::kAlreadyExists, "a run started from the dashboard is still active");
  if (!env_) {
    PINPIPE_ASSIGN_OR_RETURN(env_, LoadDagEnvironment(cfg_));
  }
  const orchestrator::DagDefinition* dag = env_->registry.Find(dag_id);
  if (!dag) return MakeError(ErrorCode::kNotFound, "no DAG " + dag_id);
  if (run_.joinable()) run_.join();  // the previous run has ended
  orchestrator::RunOptions opts;
  opts.logical_date = date.empty() ? orchestrator::FormatDate(orchestrator::NowUtc()) : date;
  opts.trigger = orchestrator::Trigger::kManual;
  opts.parallelism = env_->parallelism;
  opts.cancel = &cancel_;
  running_ = true;
  std::string what = dag_id + " for " + opts.logical_date;
  run_ = std::thread([this, dag, opts, history = env_->history.get()] {
    auto r = orchestrator::RunDag(*dag, opts, history);
    if (!r) spdlog::warn("ui: DAG run {} failed to start: {}", dag->id(), r.error().message());
    running_ = false;
  });
  return what;
}

Result<std::vector<ui::DagTaskNode>> DashboardService::Graph(const std::string& dag_id) {
  MutexLock lock(mu_);
  if (!env_) {
    PINPIPE_ASSIGN_OR_RETURN(env_, LoadDagEnvironment(cfg_));
  }
  const orchestrator::DagDefinition* dag = env_->registry.Find(dag_id);
  if (!dag) return MakeError(ErrorCode::kNotFound, "no DAG " + dag_id);
  PINPIPE_ASSIGN_OR_RETURN(auto order, dag->TopologicalOrder());
  std::vector<ui::DagTaskNode> out;
  for (auto& id : order) {
    auto up = dag->Upstreams(id);
    out.push_back({std::move(id), std::move(up)});
  }
  return out;
}

Result<std::vector<ui::BackfillDate>> DashboardService::Backfill(const std::string& dag_id, const std::string& from,
                                                                 const std::string& to, bool rerun, bool dry_run) {
  MutexLock lock(mu_);
  if (!env_) {
    PINPIPE_ASSIGN_OR_RETURN(env_, LoadDagEnvironment(cfg_));
  }
  const orchestrator::DagDefinition* dag = env_->registry.Find(dag_id);
  if (!dag) return MakeError(ErrorCode::kNotFound, "no DAG " + dag_id);
  PINPIPE_ASSIGN_OR_RETURN(auto first, orchestrator::ParseDate(from));
  PINPIPE_ASSIGN_OR_RETURN(auto last, orchestrator::ParseDate(to));
  // The plan is what orchestrator::Backfill will do: dates that already succeeded are skipped.
  std::vector<ui::BackfillDate> plan;
  for (auto day = first; day <= last; day += std::chrono::days(1)) {
    ui::BackfillDate d{orchestrator::FormatDate(day), false};
    if (!rerun) {
      PINPIPE_ASSIGN_OR_RETURN(d.skip, env_->history->HasSuccessfulRun(dag_id, d.date));
    }
    plan.push_back(std::move(d));
  }
  if (dry_run) return plan;
  if (running_.load()) return MakeError(ErrorCode::kAlreadyExists, "a run started from the dashboard is still active");
  if (run_.joinable()) run_.join();
  orchestrator::BackfillOptions opts;
  opts.from = from;
  opts.to = to;
  opts.rerun = rerun;
  opts.parallelism = env_->parallelism;
  opts.cancel = &cancel_;
  running_ = true;
  run_ = std::thread([this, dag, opts, history = env_->history.get()] {
    auto r = orchestrator::Backfill(*dag, opts, *history);
    if (!r) spdlog::warn("ui: backfill of {} failed: {}", dag->id(), r.error().message());
    running_ = false;
  });
  return plan;
}

DashboardService::~DashboardService() { Stop(); }

void DashboardService::Stop() {
  cancel_ = true;
  if (run_.joinable()) run_.join();
  if (dashboard_) dashboard_->Stop();
}

}  // namespace pinpipe::cli
