#include "orchestrator/cron.h"

#include <array>
#include <cctype>
#include <vector>

namespace pinpipe::orchestrator {
namespace {

constexpr int kSearchDays = 366 * 30;  // Feb 29 on a given weekday recurs within 28 years

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::vector<std::string_view> SplitWhitespace(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    const size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

struct FieldSpec {
  const char* name;
  int min, max;
  const char* const* names;  // optional aliases for min..
  int names_base;
};

constexpr const char* kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec", nullptr};
constexpr const char* kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", nullptr};

bool ParseValue(std::string_view s, const FieldSpec& f, int* out) {
  if (s.empty()) return false;
  if (f.names && std::isalpha(static_cast<unsigned char>(s[0]))) {
    if (s.size() != 3) return false;
    std::string lower;
    for (char c : s) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    for (int i = 0; f.names[i]; ++i) {
      if (lower == f.names[i]) {
        *out = f.names_base + i;
        return true;
      }
    }
    return false;
  }
  if (s.size() > 4) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < f.min || v > f.max) return false;
  *out = v;
  return true;
}

// Sets bits [min, max] of `bits` (indexable by value) for one comma-separated field.
template <size_t N>
Status ParseField(std::string_view text, const FieldSpec& f, std::bitset<N>* bits, bool* star) {
  auto bad = [&](std::string_view why) {
    return MakeError(ErrorCode::kInvalidArgument, std::string("cron ") + f.name + " field '" +
                                                      std::string(text) + "': " + std::string(why));
  };
  *star = !text.empty() && text[0] == '*';
  for (std::string_view item : Split(text, ',')) {
    if (item.empty()) return bad("empty list item");
    int step = 1;
    std::string_view range = item;
    if (const size_t slash = item.find('/'); slash != std::string_view::npos) {
      range = item.substr(0, slash);
      const FieldSpec step_spec{f.name, 1, f.max - f.min + 1, nullptr, 0};
      if (!ParseValue(item.substr(slash + 1), step_spec, &step)) return bad("invalid step");
    }
    int lo = f.min, hi = f.max;
    if (range != "*") {
      const size_t dash = range.find('-');
      if (dash == std::string_view::npos) {
        if (!ParseValue(range, f, &lo)) return bad("value out of range " + std::to_string(f.min) + "-" + std::to_string(f.max));
        // "a/n" means a, a+n, ... up to the maximum; a plain "a" is just a.
        hi = item.find('/') != std::string_view::npos ? f.max : lo;
      } else if (!ParseValue(range.substr(0, dash), f, &lo) ||
                 !ParseValue(range.substr(dash + 1), f, &hi)) {
        return bad("invalid range");
      }
      if (lo > hi) return bad("range start after its end");
    }
    for (int v = lo; v <= hi; v += step) bits->set(static_cast<size_t>(v));
  }
  return OkStatus();
}

std::string_view PresetExpansion(std::string_view p) {
  if (p == "@yearly" || p == "@annually") return "0 0 1 1 *";
  if (p == "@monthly") return "0 0 1 * *";
  if (p == "@weekly") return "0 0 * * 0";
  if (p == "@daily" || p == "@midnight") return "0 0 * * *";
  if (p == "@hourly") return "0 * * * *";
  return {};
}

}  // namespace

Result<CronSchedule> CronSchedule::Parse(std::string_view expression) {
  CronSchedule c;
  const std::string_view expr = Trim(expression);
  if (expr.empty() || expr == "none" || expr == "None" || expr == "@none") return c;
  c.expression_ = std::string(expr);
  if (expr == "@once") {
    c.once_ = true;
    return c;
  }
  std::string_view body = expr;
  if (expr[0] == '@') {
    body = PresetExpansion(expr);
    if (body.empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "unknown schedule preset '" + std::string(expr) +
                           "' (use @once, @hourly, @daily, @weekly, @monthly, @yearly)");
    }
  }
  const auto fields = SplitWhitespace(body);
  if (fields.size() != 5) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cron expression '" + std::string(expr) +
                         "' must have 5 fields: minute hour day-of-month month day-of-week");
  }
  bool ignored = false;
  PINPIPE_RETURN_IF_ERROR(ParseField(fields[0], {"minute", 0, 59, nullptr, 0}, &c.minutes_, &ignored));
  PINPIPE_RETURN_IF_ERROR(ParseField(fields[1], {"hour", 0, 23, nullptr, 0}, &c.hours_, &ignored));
  PINPIPE_RETURN_IF_ERROR(
      ParseField(fields[2], {"day-of-month", 1, 31, nullptr, 0}, &c.days_of_month_, &c.dom_star_));
  PINPIPE_RETURN_IF_ERROR(
      ParseField(fields[3], {"month", 1, 12, kMonthNames, 1}, &c.months_, &ignored));
  std::bitset<8> dow;
  PINPIPE_RETURN_IF_ERROR(ParseField(fields[4], {"day-of-week", 0, 7, kDayNames, 0}, &dow, &c.dow_star_));
  for (size_t i = 0; i < 7; ++i) c.days_of_week_[i] = dow[i];
  if (dow[7]) c.days_of_week_.set(0);
  c.scheduled_ = true;
  return c;
}

bool CronSchedule::DayMatches(std::chrono::sys_days day) const {
  const std::chrono::year_month_day ymd(day);
  if (!months_[static_cast<unsigned>(ymd.month())]) return false;
  const bool dom = days_of_month_[static_cast<unsigned>(ymd.day())];
  const bool dow = days_of_week_[std::chrono::weekday(day).c_encoding()];
  // Vixie cron: both restricted -> either may match; otherwise the restricted one decides
  // (a `*` field has every bit set).
  if (!dom_star_ && !dow_star_) return dom || dow;
  return dom && dow;
}

bool CronSchedule::Matches(TimePoint t) const {
  if (!scheduled_) return false;
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::hh_mm_ss hms(t - day);
  return hms.seconds().count() == 0 && minutes_[hms.minutes().count()] &&
         hours_[hms.hours().count()] && DayMatches(day);
}

std::optional<TimePoint> CronSchedule::Next(TimePoint after) const {
  if (!scheduled_) return std::nullopt;
  const auto start = std::chrono::floor<std::chrono::minutes>(after) + std::chrono::minutes(1);
  auto day = std::chrono::floor<std::chrono::days>(start);
  const std::chrono::hh_mm_ss hms(start - day);
  int h0 = static_cast<int>(hms.hours().count()), m0 = static_cast<int>(hms.minutes().count());
  for (int i = 0; i < kSearchDays; ++i, day += std::chrono::days(1), h0 = 0, m0 = 0) {
    if (!DayMatches(day)) continue;
    for (int h = h0; h < 24; ++h) {
      if (!hours_[h]) continue;
      for (int m = h == h0 ? m0 : 0; m < 60; ++m) {
        if (minutes_[m]) return TimePoint(day) + std::chrono::hours(h) + std::chrono::minutes(m);
      }
    }
  }
  return std::nullopt;
}

std::optional<TimePoint> CronSchedule::Previous(TimePoint before) const {
  if (!scheduled_) return std::nullopt;
  const auto start = std::chrono::floor<std::chrono::minutes>(before - std::chrono::seconds(1));
  auto day = std::chrono::floor<std::chrono::days>(start);
  const std::chrono::hh_mm_ss hms(start - day);
  int h0 = static_cast<int>(hms.hours().count()), m0 = static_cast<int>(hms.minutes().count());
  for (int i = 0; i < kSearchDays; ++i, day -= std::chrono::days(1), h0 = 23, m0 = 59) {
    if (!DayMatches(day)) continue;
    for (int h = h0; h >= 0; --h) {
      if (!hours_[h]) continue;
      for (int m = h == h0 ? m0 : 59; m >= 0; --m) {
        if (minutes_[m]) return TimePoint(day) + std::chrono::hours(h) + std::chrono::minutes(m);
      }
    }
  }
  return std::nullopt;
}

}  // namespace pinpipe::orchestrator
