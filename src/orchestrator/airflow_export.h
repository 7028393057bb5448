// Airflow export: a Python DAG file with the same graph, schedule, catchup, retries and
// retry_delay, whose tasks are BashOperators running `pinpipe task run <task> --date {{ ds }}`.
// Needs Airflow >= 2.4 to run (the `schedule` argument); compiles with plain python3.
#pragma once

#include <optional>
#include <string>

#include "common/config.h"
#include "orchestrator/civil_time.h"
#include "orchestrator/dag.h"

namespace pinpipe::orchestrator {

struct AirflowExportOptions {
  std::string binary = "pinpipe";  // path of the pinpipe binary on the Airflow workers
  std::string config_file;         // passed as --config when not empty
  std::string owner = "pinpipe";
  // Airflow needs a start_date: the DAG's own, else this, else 2015-01-01 without catchup
  // (so that past dates run their tasks) and the day of the export with catchup.
  std::optional<TimePoint> start_date;
  // Not empty: the Spark variant. The DAG's root tasks (the batch's `load`: sink sensor and
  // manifest) stay `pinpipe task run`; everything downstream of them is one BashOperator
  // `spark_batch` running this command (spark-submit of the `dag export --spark` job).
  std::string spark_command;
};

std::string RenderAirflowDag(const DagDefinition& dag, const AirflowExportOptions& options);

// The effective configuration (defaults, file, PINPIPE_* variables, --set flags) as a TOML file
// for the Airflow workers, which run in another directory and environment: relative paths
// (data.dir, a local lake.uri, dag.binary) made absolute against `cwd`, and secrets (keys whose
// names contain secret, password, key or token) left out, named by the PINPIPE_* variable
// that must supply them on the workers.
std::string RenderAirflowConfig(const Config& cfg, const std::string& cwd);
bool IsExportSecretKey(std::string_view key);
// "dags/pinterest_batch.py" -> "dags/pinterest_batch.pinpipe.toml" (Airflow parses only .py).
std::string AirflowConfigPath(const std::string& dag_file);

// Helpers, exposed for tests.
std::string PythonStringLiteral(std::string_view s);  // "..." with escapes
std::string ShellQuote(std::string_view s);           // as is when safe, else '...'

}  // namespace pinpipe::orchestrator
