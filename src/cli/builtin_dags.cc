#include "cli/builtin_dags.h"

#include "batch/batch_settings.h"
#include "batch/tasks.h"

namespace pinpipe::cli {

Status RegisterBuiltinDags(orchestrator::DagRegistry& registry, const Config& cfg) {
  PINPIPE_ASSIGN_OR_RETURN(batch::BatchSettings settings, batch::BatchSettingsFromConfig(cfg));
  orchestrator::DagDefinition dag{std::string(batch::kDagId)};
  dag.description = "Daily batch: load raw objects, clean pin/geo/user, run the analytics";
  PINPIPE_ASSIGN_OR_RETURN(dag.schedule, orchestrator::CronSchedule::Parse("@daily"));
  dag.catchup = false;
  dag.retries = 1;
  dag.retry_delay = std::chrono::minutes(2);
  // Each task captures its own copy of the settings: tasks outlive this call.
  using orchestrator::TaskContext;
  using pinterest::RawKind;
  dag.AddTask("load", [settings](const TaskContext& ctx) { return batch::RunLoad(settings, ctx); });
  dag.AddTask("clean_pin", [settings](const TaskContext& ctx) {
    return batch::RunClean(settings, RawKind::kPin, ctx);
  });
  dag.AddTask("clean_geo", [settings](const TaskContext& ctx) {
    return batch::RunClean(settings, RawKind::kGeo, ctx);
  });
  dag.AddTask("clean_user", [settings](const TaskContext& ctx) {
    return batch::RunClean(settings, RawKind::kUser, ctx);
  });
  dag.AddTask("analyze", [settings](const TaskContext& ctx) { return batch::RunAnalyze(settings, ctx); });
  PINPIPE_RETURN_IF_ERROR(dag.AddDependencies("load >> [clean_pin, clean_geo, clean_user] >> analyze"));
  return registry.Register(std::move(dag));
}

}  // namespace pinpipe::cli
