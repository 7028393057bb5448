#include "report/task_summary.h"

#include <cstdio>

#include "report/table.h"
#include "report/text_width.h"

namespace pinpipe::report {

std::string FormatSeconds(double s) {
  char buf[48];
  if (s < 10) {
    std::snprintf(buf, sizeof buf, "%.2f s", s);
  } else if (s < 120) {
    std::snprintf(buf, sizeof buf, "%.1f s", s);
  } else {
    const long total = static_cast<long>(s + 0.5);
    std::snprintf(buf, sizeof buf, "%ld min %02ld s", total / 60, total % 60);
  }
  return buf;
}

std::string FormatTaskSummaryLine(const TaskSummary& s, size_t id_width) {
  const bool ok = s.state == "success";
  const bool ran = s.attempts > 0;
  std::string line = ok ? "✓ " : ran ? "✗ " : "- ";
  std::string id = ReplaceControlCharacters(s.task_id);
  line += id + std::string(id_width > DisplayWidth(id) ? id_width - DisplayWidth(id) : 0, ' ');
  char buf[64];
  std::snprintf(buf, sizeof buf, "  %-15s", s.state.c_str());
  line += buf;
  if (ran) {
    std::snprintf(buf, sizeof buf, " %d attempt%s", s.attempts, s.attempts == 1 ? " " : "s");
    line += buf;
    std::snprintf(buf, sizeof buf, " %9s", FormatSeconds(s.seconds).c_str());
    line += buf;
  }
  if (ok || s.records_in || s.records_out || s.records_quarantined) {
    line += "  in " + WithThousandsSeparators(s.records_in) + "  out " +
            WithThousandsSeparators(s.records_out);
    if (s.records_quarantined) line += "  quarantined " + WithThousandsSeparators(s.records_quarantined);
  }
  if (!s.summary.empty()) line += "  " + ReplaceControlCharacters(s.summary);
  if (!ok && !s.error.empty()) line += "  error: " + ReplaceControlCharacters(s.error);
  return line;
}

}  // namespace pinpipe::report
