#include "orchestrator/civil_time.h"

#include <cstdio>

namespace pinpipe::orchestrator {
namespace {

bool ParseDigits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

Result<std::chrono::sys_days> ParseDate(std::string_view text) {
  int y = 0, m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !ParseDigits(text, 0, 4, &y) ||
      !ParseDigits(text, 5, 2, &m) || !ParseDigits(text, 8, 2, &d)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid date '" + std::string(text) + "': expected YYYY-MM-DD");
  }
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m),
                                        std::chrono::day(d)};
  if (!ymd.ok()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid date '" + std::string(text) + "': no such day");
  }
  return std::chrono::sys_days(ymd);
}

std::string FormatDate(std::chrono::sys_days day) {
  const std::chrono::year_month_day ymd(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string FormatDate(TimePoint t) { return FormatDate(std::chrono::floor<std::chrono::days>(t)); }

std::string FormatIso(TimePoint t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::hh_mm_ss hms(t - day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", FormatDate(day).c_str(),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

Result<TimePoint> ParseIso(std::string_view text) {
  auto day = ParseDate(text.substr(0, std::min<size_t>(10, text.size())));
  if (!day) return std::unexpected(day.error());
  std::string_view rest = text.substr(10);
  if (rest.empty()) return TimePoint(*day);
  if (rest.back() == 'Z') rest.remove_suffix(1);
  int h = 0, m = 0, s = 0;
  const bool ok = (rest.size() == 6 || rest.size() == 9) && (rest[0] == 'T' || rest[0] == ' ') &&
                  ParseDigits(rest, 1, 2, &h) && rest[3] == ':' && ParseDigits(rest, 4, 2, &m) &&
                  (rest.size() == 6 || (rest[6] == ':' && ParseDigits(rest, 7, 2, &s)));
  if (!ok || h > 23 || m > 59 || s > 59) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid time '" + std::string(text) + "': expected YYYY-MM-DDTHH:MM[:SS]Z");
  }
  return TimePoint(*day) + std::chrono::hours(h) + std::chrono::minutes(m) +
         std::chrono::seconds(s);
}

TimePoint NowUtc(const Clock& clock) {
  return TimePoint(std::chrono::seconds(clock.WallMs() / 1000));
}

int64_t ToMicros(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

std::string FormatMicros(int64_t micros) {
  const TimePoint t(std::chrono::seconds(micros / 1000000));
  std::string s = FormatIso(t);
  s[10] = ' ';
  s.pop_back();
  return s;
}

}  // namespace pinpipe::orchestrator
