// UTC calendar helpers for the orchestrator: logical dates are "YYYY-MM-DD" and every instant
// is a std::chrono::sys_seconds in UTC (no time zones, so no DST surprises).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace pinpipe::orchestrator {

using TimePoint = std::chrono::sys_seconds;

// Strict "YYYY-MM-DD" with a valid calendar day.
Result<std::chrono::sys_days> ParseDate(std::string_view text);
std::string FormatDate(std::chrono::sys_days day);
// The UTC date of an instant.
std::string FormatDate(TimePoint t);
// "2026-11-22T00:00:00Z"
std::string FormatIso(TimePoint t);
// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][Z]" (UTC).
Result<TimePoint> ParseIso(std::string_view text);

// The clock's wall time, to the second: the scheduler's and the date commands' "now".
TimePoint NowUtc(const Clock& clock = Clock::System());

// Microseconds since the epoch, the unit of the run history.
int64_t ToMicros(std::chrono::system_clock::time_point t);
std::string FormatMicros(int64_t micros);  // "2026-11-22 00:00:01" (UTC, seconds)

}  // namespace pinpipe::orchestrator
