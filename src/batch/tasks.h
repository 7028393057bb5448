// The tasks of the pinterest_batch DAG (domain.md §5): load >> [clean_pin, clean_geo,
// clean_user] >> analyze. Each is an idempotent function of the logical date that reads its
// inputs from the lake and writes its outputs atomically (a manifest Put, one Delta commit
// per table, CSV/HTML by rename), so it can run in-process, from `pinpipe task run`, or from
// Airflow, and a rerun for the same date with the same manifest produces identical tables.
//
//   load      lists <lake>/<topics_dir>/<id>.pin|geo|user/ → manifests/pinterest_batch/<date>.json
//   clean_*   manifest objects → decode (streamed, parallel) → Clean* → Delta delta/<t>
//             (overwrite) + delta/quarantine_<t> (overwrite)
//   analyze   delta/pin|geo|user (projection) → RunAnalytics → delta/analytics/<name> (9×),
//             <data.dir>/reports/<date>/<name>.csv, index.html (SVG charts), terminal tables
#pragma once

#include <string>
#include <string_view>

#include "batch/batch_settings.h"
#include "batch/table_writer.h"
#include "orchestrator/dag.h"
#include "pinterest/raw_tables.h"

namespace pinpipe::batch {

// Lake-relative locations of the tables.
std::string CleanTablePath(pinterest::RawKind kind);       // delta/pin
std::string QuarantineTablePath(pinterest::RawKind kind);  // delta/quarantine_pin
std::string AnalyticsTablePath(std::string_view name);     // delta/analytics/<name>
std::string ReportDir(const BatchSettings& s, std::string_view logical_date);

// The commit of a task's tables: userMetadata with the DAG, run, task and logical date; with
// dag.data_selection=interval and `partitioned`, the logical date's partition of ds.
TableCommit TableCommitOf(const BatchSettings& s, const orchestrator::TaskContext& ctx,
                          bool partitioned);

Result<orchestrator::TaskStats> RunLoad(const BatchSettings& s, const orchestrator::TaskContext& ctx);
Result<orchestrator::TaskStats> RunClean(const BatchSettings& s, pinterest::RawKind kind,
                                         const orchestrator::TaskContext& ctx);
Result<orchestrator::TaskStats> RunAnalyze(const BatchSettings& s, const orchestrator::TaskContext& ctx);

}  // namespace pinpipe::batch
