// DagRegistry: the DAGs a process knows. The CLI fills it once at start-up (see
// cli/builtin_dags.h) and every command — dag run, task run, scheduler, export — reads it.
#pragma once

#include <string_view>
#include <vector>

#include "common/status.h"
#include "orchestrator/dag.h"

namespace pinpipe::orchestrator {

class DagRegistry {
 public:
  // Validates the DAG; kAlreadyExists if its id is taken.
  Status Register(DagDefinition dag);
  // Replaces a registered DAG of the same id (or adds it).
  Status Replace(DagDefinition dag);

  const std::vector<DagDefinition>& dags() const { return dags_; }
  DagDefinition* Find(std::string_view dag_id);
  const DagDefinition* Find(std::string_view dag_id) const;
  // The DAG `dag_id`, or the only DAG when `dag_id` is empty.
  Result<const DagDefinition*> Resolve(std::string_view dag_id) const;
  // The DAG that has a task named `task_id` (restricted to `dag_id` when given); an error if
  // none or several do.
  Result<const DagDefinition*> FindDagOfTask(std::string_view task_id,
                                             std::string_view dag_id = {}) const;

 private:
  std::vector<DagDefinition> dags_;
};

}  // namespace pinpipe::orchestrator
