// What a run counted, kept beside its report so the next run's report can compare: each clean
// task writes reports/<date>/clean_<kind>.counts.json (rows in, out, quarantined, duplicates
// dropped); analyze reads them into the report's run counts and, once the report is written,
// records reports/<date>/run_summary.json (those counts and every result table's rows). A
// summary exists only for a date whose analyze succeeded, so "the previous run" is the
// newest earlier logical date that has one.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pinpipe::batch {

struct CleanCounts {
  int64_t records_in = 0, rows_out = 0, quarantined = 0, duplicates = 0;
};

Status WriteCleanCounts(const std::string& report_dir, std::string_view kind, const CleanCounts& c);
std::optional<CleanCounts> ReadCleanCounts(const std::string& report_dir, std::string_view kind);

struct RunSummary {
  std::string logical_date, run_id;
  std::map<std::string, int64_t> counts;  // by label, e.g. "pin duplicates dropped"
  std::map<std::string, int64_t> tables;  // result table → rows
};

Status WriteRunSummary(const std::string& report_dir, const RunSummary& s);
// The summary of the newest logical date before `logical_date` under `reports_root`.
std::optional<RunSummary> PreviousRunSummary(const std::string& reports_root, std::string_view logical_date);

}  // namespace pinpipe::batch
