// Airflow export: a Python DAG file with the same graph, schedule, catchup, retries and
// retry_delay, whose tasks are BashOperators running `pinpipe task run <task> --date {{ ds }}`.
// Needs Airflow >= 2.4 to run (the `schedule` argument); compiles with plain python3.
#pragma once

#include <optional>
#include <string>

#include "orchestrator/civil_time.h"
#include "orchestrator/dag.h"

namespace pinpipe::orchestrator {

struct AirflowExportOptions {
  std::string binary = "pinpipe";  // path of the pinpipe binary on the Airflow workers
  std::string config_file;         // passed as --config when not empty
  std::string owner = "pinpipe";
  // Airflow needs a start_date: the DAG's own, else this (else the day of the export).
  std::optional<TimePoint> start_date;
};

std::string RenderAirflowDag(const DagDefinition& dag, const AirflowExportOptions& options);

// Helpers, exposed for tests.
std::string PythonStringLiteral(std::string_view s);  // "..." with escapes
std::string ShellQuote(std::string_view s);           // as is when safe, else '...'

}  // namespace pinpipe::orchestrator
