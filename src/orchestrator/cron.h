// CronSchedule: a 5-field cron expression (minute hour day-of-month month day-of-week) or a
// preset (@yearly/@annually, @monthly, @weekly, @daily/@midnight, @hourly), evaluated in UTC.
// Fields take `*`, numbers, ranges `a-b`, steps `*/n` `a-b/n` `a/n`, lists `a,b-c`, and the
// names JAN..DEC / SUN..SAT; day-of-week 7 is Sunday. As in Vixie cron, when both day fields
// are restricted (neither starts with `*`) a day matches if EITHER matches.
// "@once" and "" / "none" are unscheduled: Next() and Previous() return nothing.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "orchestrator/civil_time.h"

namespace pinpipe::orchestrator {

class CronSchedule {
 public:
  // Unscheduled ("none").
  CronSchedule() = default;
  static Result<CronSchedule> Parse(std::string_view expression);

  // The expression as written (trimmed); "none" for an unscheduled one.
  const std::string& expression() const { return expression_; }
  bool scheduled() const { return scheduled_; }
  bool once() const { return once_; }

  bool Matches(TimePoint t) const;
  // The first fire time strictly after `after` (nothing if unscheduled or none in ~30 years).
  std::optional<TimePoint> Next(TimePoint after) const;
  // The last fire time strictly before `before`.
  std::optional<TimePoint> Previous(TimePoint before) const;

 private:
  bool DayMatches(std::chrono::sys_days day) const;
  std::string expression_ = "none";
  bool scheduled_ = false;
  bool once_ = false;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // 1..31
  std::bitset<13> months_;         // 1..12
  std::bitset<7> days_of_week_;    // 0 = Sunday
  bool dom_star_ = true, dow_star_ = true;
};

}  // namespace pinpipe::orchestrator
