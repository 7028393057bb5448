// The DAGs this binary knows: `pinterest_batch` (domain.md §5), whose tasks are the batch
// tasks of src/batch over the lake of the configuration.
#pragma once

#include "common/config.h"
#include "common/status.h"
#include "orchestrator/dag_registry.h"

namespace pinpipe::cli {

Status RegisterBuiltinDags(orchestrator::DagRegistry& registry, const Config& cfg);

}  // namespace pinpipe::cli
