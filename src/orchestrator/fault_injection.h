// A test hook: make named tasks fail their first N attempts, to exercise retries and failure
// propagation on the real binary (config key dag.fail_task). The attempt number is the one the
// runner passes in TaskContext, so it also counts across `pinpipe task run` processes.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/status.h"
#include "orchestrator/dag.h"

namespace pinpipe::orchestrator {

// "clean_geo:2" -> {clean_geo: 2}; "a:1,b" -> {a: 1, b: always}. Empty -> {}.
Result<std::map<std::string, int, std::less<>>> ParseFailureSpec(std::string_view spec);

inline constexpr int kFailAlways = 1 << 30;

// Wraps the named tasks of `dag` so attempts 1..N fail with an "injected failure" error.
// Unknown task names are ignored (the spec may name tasks of another DAG).
void InjectFailures(DagDefinition& dag, const std::map<std::string, int, std::less<>>& failures);

}  // namespace pinpipe::orchestrator
