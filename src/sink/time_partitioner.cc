#include "sink/time_partitioner.h"

#include <chrono>
#include <cstring>

namespace pinpipe::sink {

namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr std::string_view kSupported = "GCYyxweEDMdaKhHkmsSZ";
constexpr std::string_view kText = "GEa";  // letters that are always text (M only from MMM)

constexpr const char* kMonthShort[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr const char* kMonthLong[] = {"January", "February", "March",     "April",   "May",      "June",
                                      "July",    "August",   "September", "October", "November", "December"};
constexpr const char* kDayShort[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr const char* kDayLong[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                    "Friday", "Saturday", "Sunday"};

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

void AppendNum(std::string& out, int64_t v, int min_digits) {
  char buf[24];
  bool neg = v < 0;
  uint64_t u = neg ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u);
  if (neg) out += '-';
  for (int i = n; i < min_digits; ++i) out += '0';
  while (n) out += buf[--n];
}

// Local calendar fields of one instant.
struct Fields {
  int64_t year;
  int month, day, doy, iso_dow;  // iso_dow 1 = Monday
  int64_t weekyear;
  int week;
  int hour, minute, second, millis;
};

Fields FieldsOf(int64_t local_ms) {
  using namespace std::chrono;
  Fields f{};
  const int64_t days = FloorDiv(local_ms, kDayMs);
  const int64_t ms = local_ms - days * kDayMs;
  const sys_days sd{std::chrono::days{days}};
  const year_month_day ymd{sd};
  f.year = static_cast<int>(ymd.year());
  f.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  f.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  f.doy = static_cast<int>((sd - sys_days{ymd.year() / January / 1}).count()) + 1;
  f.iso_dow = static_cast<int>(weekday{sd}.iso_encoding());
  // ISO week: the week holding this week's Thursday, in that Thursday's year.
  const sys_days thursday = sd + std::chrono::days{4 - f.iso_dow};
  const year_month_day ty{thursday};
  f.weekyear = static_cast<int>(ty.year());
  f.week = static_cast<int>((thursday - sys_days{ty.year() / January / 1}).count()) / 7 + 1;
  f.hour = static_cast<int>(ms / 3'600'000);
  f.minute = static_cast<int>(ms / 60'000 % 60);
  f.second = static_cast<int>(ms / 1000 % 60);
  f.millis = static_cast<int>(ms % 1000);
  return f;
}

bool EnglishLocale(std::string_view l) {
  return l == "en" || l.starts_with("en_") || l.starts_with("en-") || l == "ROOT" || l == "root";
}

}  // namespace

Result<TimeBasedPartitioner> TimeBasedPartitioner::Make(std::string_view path_format,
                                                        int64_t duration_ms,
                                                        std::string_view locale,
                                                        std::string_view timezone) {
  auto bad = [](std::string msg) { return MakeError(ErrorCode::kInvalidArgument, std::move(msg)); };
  if (path_format.ends_with('/')) path_format.remove_suffix(1);  // Confluent strips a trailing delim
  if (path_format.empty()) return bad("path.format is required by the time-based partitioner");
  if (duration_ms <= 0) {
    return bad("partition.duration.ms must be > 0 for the time-based partitioner (got " +
               std::to_string(duration_ms) + ")");
  }
  if (locale.empty()) return bad("locale is required by the time-based partitioner (e.g. en-US)");
  if (timezone.empty()) return bad("timezone is required by the time-based partitioner (e.g. UTC)");
  TimeBasedPartitioner p;
  p.duration_ms_ = duration_ms;
  PINPIPE_ASSIGN_OR_RETURN(p.zone_, TimeZone::Load(timezone));
  bool text = false;
  for (size_t i = 0; i < path_format.size();) {
    const char c = path_format[i];
    if (c == '\'') {  // quoted literal; '' is a quote
      std::string lit;
      size_t j = i + 1;
      if (j < path_format.size() && path_format[j] == '\'') {
        lit = "'";
        j += 1;
      } else {
        for (; j < path_format.size(); ++j) {
          if (path_format[j] == '\'') {
            if (j + 1 < path_format.size() && path_format[j + 1] == '\'') {
              lit += '\'';
              ++j;
              continue;
            }
            break;
          }
          lit += path_format[j];
        }
        if (j >= path_format.size()) return bad("path.format: unterminated quote in \"" + std::string(path_format) + "\"");
        ++j;
      }
      p.tokens_.push_back({0, 0, std::move(lit)});
      i = j;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      if (kSupported.find(c) == std::string_view::npos) {
        return bad(std::string("path.format: pattern letter '") + c + "' is not supported in \"" +
                   std::string(path_format) + "\" (quote literal text: 'year'=YYYY)");
      }
      size_t j = i;
      while (j < path_format.size() && path_format[j] == c) ++j;
      const int count = static_cast<int>(j - i);
      text |= kText.find(c) != std::string_view::npos || (c == 'M' && count >= 3);
      p.tokens_.push_back({c, count, {}});
      i = j;
    } else {
      if (!p.tokens_.empty() && p.tokens_.back().letter == 0) {
        p.tokens_.back().literal += c;
      } else {
        p.tokens_.push_back({0, 0, std::string(1, c)});
      }
      ++i;
    }
  }
  if (text && !EnglishLocale(locale)) {
    return bad("locale \"" + std::string(locale) +
               "\": month and day names are English only; use numeric fields or an en locale");
  }
  return p;
}

int64_t TimeBasedPartitioner::BucketStart(int64_t ts_ms) const {
  // Confluent: floor((ts in local time) / duration) * duration, back to UTC. Java's division
  // truncates toward zero; so does C++'s.
  const int64_t local = ts_ms + zone_.OffsetMs(ts_ms);
  return zone_.LocalToUtc((local / duration_ms_) * duration_ms_);
}

void TimeBasedPartitioner::AppendEncoded(int64_t bucket_start_ms, std::string& out) const {
  const int64_t offset = zone_.OffsetMs(bucket_start_ms);
  const Fields f = FieldsOf(bucket_start_ms + offset);
  for (const Token& t : tokens_) {
    const int n = t.count;
    switch (t.letter) {
      case 0: out += t.literal; break;
      case 'G': out += f.year > 0 ? "AD" : "BC"; break;
      case 'C': AppendNum(out, (f.year > 0 ? f.year : 1 - f.year) / 100, n); break;
      case 'Y':
      case 'y': {
        int64_t y = t.letter == 'Y' && f.year <= 0 ? 1 - f.year : f.year;
        if (n == 2) AppendNum(out, ((y % 100) + 100) % 100, 2);
        else AppendNum(out, y, n);
        break;
      }
      case 'x':
        if (n == 2) AppendNum(out, ((f.weekyear % 100) + 100) % 100, 2);
        else AppendNum(out, f.weekyear, n);
        break;
      case 'w': AppendNum(out, f.week, n); break;
      case 'e': AppendNum(out, f.iso_dow, n); break;
      case 'E': out += n >= 4 ? kDayLong[f.iso_dow - 1] : kDayShort[f.iso_dow - 1]; break;
      case 'D': AppendNum(out, f.doy, n); break;
      case 'M':
        if (n >= 4) out += kMonthLong[f.month - 1];
        else if (n == 3) out += kMonthShort[f.month - 1];
        else AppendNum(out, f.month, n);
        break;
      case 'd': AppendNum(out, f.day, n); break;
      case 'a': out += f.hour < 12 ? "AM" : "PM"; break;
      case 'K': AppendNum(out, f.hour % 12, n); break;
      case 'h': AppendNum(out, f.hour % 12 == 0 ? 12 : f.hour % 12, n); break;
      case 'H': AppendNum(out, f.hour, n); break;
      case 'k': AppendNum(out, f.hour == 0 ? 24 : f.hour, n); break;
      case 'm': AppendNum(out, f.minute, n); break;
      case 's': AppendNum(out, f.second, n); break;
      case 'S': {  // fraction of second: the first n digits of the millis
        char ms[4] = {static_cast<char>('0' + f.millis / 100), static_cast<char>('0' + f.millis / 10 % 10),
                      static_cast<char>('0' + f.millis % 10), 0};
        for (int i = 0; i < n; ++i) out += i < 3 ? ms[i] : '0';
        break;
      }
      case 'Z': {
        if (n >= 3) {
          out += zone_.id();
          break;
        }
        if (offset == 0) {
          out += 'Z';  // Joda prints "Z" for a zero offset
          break;
        }
        const int64_t mins = (offset < 0 ? -offset : offset) / 60'000;
        out += offset < 0 ? '-' : '+';
        AppendNum(out, mins / 60, 2);
        if (n == 2) out += ':';
        AppendNum(out, mins % 60, 2);
        break;
      }
      default: break;  // refused by Make
    }
  }
}

}  // namespace pinpipe::sink
