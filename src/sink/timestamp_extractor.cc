#include "sink/timestamp_extractor.h"

#include <charconv>
#include <chrono>

namespace pinpipe::sink {

namespace {

bool Digits(std::string_view s, size_t at, size_t n, int* out) {
  if (s.size() < at + n) return false;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

std::optional<int64_t> ParseMillisText(std::string_view s) {
  int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty()) return v;
  return ParseIsoMillis(s);
}

}  // namespace

std::optional<int64_t> ParseIsoMillis(std::string_view s) {
  using namespace std::chrono;
  int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &mo) || s[7] != '-' ||
      !Digits(s, 8, 2, &d)) {
    return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  size_t i = 10;
  int64_t offset_s = 0;
  if (i < s.size()) {
    if (s[i] != 'T' && s[i] != ' ') return std::nullopt;
    if (!Digits(s, i + 1, 2, &h) || s.size() < i + 6 || s[i + 3] != ':' || !Digits(s, i + 4, 2, &mi)) {
      return std::nullopt;
    }
    i += 6;
    if (i < s.size() && s[i] == ':') {
      if (!Digits(s, i + 1, 2, &sec)) return std::nullopt;
      i += 3;
      if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
        size_t j = i + 1;
        int scale = 100;
        while (j < s.size() && s[j] >= '0' && s[j] <= '9') {
          ms += (s[j] - '0') * scale;
          scale /= 10;
          ++j;
        }
        if (j == i + 1) return std::nullopt;
        i = j;
      }
    }
    if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
    if (i < s.size()) {
      if (s[i] == 'Z' && i + 1 == s.size()) {
        i += 1;
      } else if (s[i] == '+' || s[i] == '-') {
        int oh = 0, om = 0;
        if (!Digits(s, i + 1, 2, &oh)) return std::nullopt;
        size_t j = i + 3;
        if (j < s.size() && s[j] == ':') ++j;
        if (j < s.size() && !Digits(s, j, 2, &om)) return std::nullopt;
        if (j < s.size()) j += 2;
        if (j != s.size()) return std::nullopt;
        offset_s = (s[i] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        i = j;
      } else {
        return std::nullopt;
      }
    }
  }
  const int64_t days = sys_days{ymd}.time_since_epoch().count();
  return ((days * 86400 + h * 3600 + mi * 60 + sec) - offset_s) * 1000 + ms;
}

std::optional<int64_t> TimestampExtractor::Extract(const log::RecordView& rec, int64_t now_ms,
                                                   std::string* error) {
  switch (source_) {
    case TimestampSource::kWallclock: return now_ms;
    case TimestampSource::kRecord:
      if (rec.timestamp_ms < 0) {
        *error = "the record has no timestamp (timestamp.extractor=Record)";
        return std::nullopt;
      }
      return rec.timestamp_ms;
    case TimestampSource::kRecordField: break;
  }
  if (!rec.value) {
    *error = "a null value has no field " + field_ + " (timestamp.extractor=RecordField)";
    return std::nullopt;
  }
  padded_.assign(*rec.value);
  padded_.resize(rec.value->size() + simdjson::SIMDJSON_PADDING);
  simdjson::dom::element doc;
  if (parser_.parse(padded_.data(), rec.value->size(), false).get(doc)) {
    *error = "the value is not JSON (timestamp.extractor=RecordField)";
    return std::nullopt;
  }
  simdjson::dom::element v = doc;
  std::string_view path = field_;
  while (true) {
    const size_t dot = path.find('.');
    simdjson::dom::object obj;
    if (v.get_object().get(obj) || obj[path.substr(0, dot)].get(v)) {
      *error = "the value has no field " + field_ + " (timestamp.field)";
      return std::nullopt;
    }
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  int64_t i = 0;
  double dbl = 0;
  std::string_view str;
  if (!v.get_int64().get(i)) return i;
  if (!v.get_double().get(dbl)) return static_cast<int64_t>(dbl);  // Number.longValue()
  if (!v.get_string().get(str)) {
    if (auto ms = ParseMillisText(str)) return ms;
    *error = "field " + field_ + " = \"" + std::string(str.substr(0, 64)) +
             "\" is neither ms nor an ISO-8601 date-time (timestamp.field)";
    return std::nullopt;
  }
  *error = "field " + field_ + " is not a timestamp (a number of ms or an ISO-8601 string)";
  return std::nullopt;
}

}  // namespace pinpipe::sink
