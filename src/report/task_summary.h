// One summary line per finished task, aligned so a run's lines read as a table:
//   ✓ clean_pin    success   1 attempt   0.82 s  in 11,154  out 11,100  quarantined 54  wrote pin
#pragma once

#include <cstdint>
#include <string>

namespace pinpipe::report {

struct TaskSummary {
  std::string task_id;
  std::string state;  // "success", "failed", "upstream_failed", ...
  int attempts = 0;
  double seconds = 0;
  int64_t records_in = 0, records_out = 0, records_quarantined = 0;
  std::string summary;  // the task's own line
  std::string error;    // shown for failed tasks
};

// `id_width` pads the task id column (use the longest id of the DAG).
std::string FormatTaskSummaryLine(const TaskSummary& s, size_t id_width = 12);
// "0.82 s", "12.3 s", "2 min 05 s"
std::string FormatSeconds(double seconds);

}  // namespace pinpipe::report
