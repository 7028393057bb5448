#include "orchestrator/dag_registry.h"

namespace pinpipe::orchestrator {

Status DagRegistry::Register(DagDefinition dag) {
  PINPIPE_RETURN_IF_ERROR(dag.Validate());
  if (Find(dag.id())) {
    return MakeError(ErrorCode::kAlreadyExists, "DAG '" + dag.id() + "' is already registered");
  }
  dags_.push_back(std::move(dag));
  return OkStatus();
}

Status DagRegistry::Replace(DagDefinition dag) {
  PINPIPE_RETURN_IF_ERROR(dag.Validate());
  if (auto* existing = Find(dag.id())) {
    *existing = std::move(dag);
  } else {
    dags_.push_back(std::move(dag));
  }
  return OkStatus();
}

DagDefinition* DagRegistry::Find(std::string_view dag_id) {
  for (auto& d : dags_) {
    if (d.id() == dag_id) return &d;
  }
  return nullptr;
}

const DagDefinition* DagRegistry::Find(std::string_view dag_id) const {
  return const_cast<DagRegistry*>(this)->Find(dag_id);
}

Result<const DagDefinition*> DagRegistry::Resolve(std::string_view dag_id) const {
  if (dag_id.empty()) {
    if (dags_.size() == 1) return &dags_[0];
    return MakeError(ErrorCode::kInvalidArgument,
                     dags_.empty() ? "no DAGs are registered" : "several DAGs are registered: name one with --dag");
  }
  if (const auto* d = Find(dag_id)) return d;
  std::string known;
  for (const auto& d : dags_) known += (known.empty() ? "" : ", ") + d.id();
  return MakeError(ErrorCode::kNotFound,
                   "unknown DAG '" + std::string(dag_id) + "' (known: " + known + ")");
}

Result<const DagDefinition*> DagRegistry::FindDagOfTask(std::string_view task_id,
                                                        std::string_view dag_id) const {
  const DagDefinition* found = nullptr;
  for (const auto& d : dags_) {
    if (!dag_id.empty() && d.id() != dag_id) continue;
    if (!d.FindTask(task_id)) continue;
    if (found) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "task '" + std::string(task_id) + "' exists in DAGs '" + found->id() +
                           "' and '" + d.id() + "': name one with --dag");
    }
    found = &d;
  }
  if (!found) {
    return MakeError(ErrorCode::kNotFound, "unknown task '" + std::string(task_id) + "'");
  }
  return found;
}

}  // namespace pinpipe::orchestrator
