#include "report/table.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace pinpipe::report {

int Table::ColumnIndex(std::string_view column_name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == column_name) return static_cast<int>(i);
  }
  return -1;
}

Status Table::Validate() const {
  for (size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].size() != columns.size()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "table '" + name + "': row " + std::to_string(r) + " has " +
                           std::to_string(rows[r].size()) + " cells for " +
                           std::to_string(columns.size()) + " columns");
    }
    for (size_t c = 0; c < columns.size(); ++c) {
      const Value& v = rows[r][c];
      if (IsNull(v)) continue;
      bool ok = false;
      switch (columns[c].type) {
        case ColumnType::kString: ok = std::holds_alternative<std::string>(v); break;
        case ColumnType::kInt: ok = std::holds_alternative<int64_t>(v); break;
        case ColumnType::kDouble:
          ok = std::holds_alternative<double>(v) || std::holds_alternative<int64_t>(v);
          break;
        case ColumnType::kTimestamp: ok = std::holds_alternative<Timestamp>(v); break;
      }
      if (!ok) {
        return MakeError(ErrorCode::kInvalidArgument, "table '" + name + "': row " +
                                                          std::to_string(r) + ", column '" +
                                                          columns[c].name + "' has the wrong type");
      }
    }
  }
  return OkStatus();
}

bool IsNull(const Value& v) { return std::holds_alternative<std::monostate>(v); }

bool IsNumeric(ColumnType t) { return t == ColumnType::kInt || t == ColumnType::kDouble; }

bool AsDouble(const Value& v, double* out) {
  if (const auto* i = std::get_if<int64_t>(&v)) {
    *out = static_cast<double>(*i);
  } else if (const auto* d = std::get_if<double>(&v)) {
    if (!std::isfinite(*d)) return false;
    *out = *d;
  } else if (const auto* t = std::get_if<Timestamp>(&v)) {
    *out = static_cast<double>(t->micros);
  } else {
    return false;
  }
  return true;
}

std::string FormatValue(const Value& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) {
    if (std::isnan(*d)) return "NaN";
    if (std::isinf(*d)) return *d > 0 ? "Infinity" : "-Infinity";
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, *d);
    return std::string(buf, r.ptr);
  }
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* t = std::get_if<Timestamp>(&v)) {
    using namespace std::chrono;
    const sys_time<microseconds> tp{microseconds(t->micros)};
    const auto day = floor<days>(tp);
    const year_month_day ymd(day);
    const hh_mm_ss hms(floor<microseconds>(tp - day));
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    std::string out = buf;
    if (const auto us = hms.subseconds().count(); us != 0) {
      std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(us));
      out += buf;
    }
    return out;
  }
  return "";
}

std::string WithThousandsSeparators(int64_t v) {
  const bool negative = v < 0;
  std::string digits = std::to_string(v);
  if (negative) digits.erase(0, 1);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return negative ? "-" + out : out;
}

namespace {

// "1234567.50" -> "1,234,567.5" (trailing fraction zeros dropped when `trim`).
std::string GroupDigits(std::string s, bool trim) {
  if (s.find_first_of("eEna") != std::string::npos) return s;  // exponent, nan, inf: as printed
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) s.erase(0, 1);
  const size_t dot = s.find('.');
  std::string frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  const std::string whole = s.substr(0, dot);
  if (trim) {
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
  }
  std::string out;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (i && (whole.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(whole[i]);
  }
  if (!frac.empty()) out += "." + frac;
  if (out == "0" || out.empty()) return "0";  // no "-0"
  return negative ? "-" + out : out;
}

}  // namespace

std::string FormatNumber(double v) {
  if (!std::isfinite(v) || std::abs(v) >= 1e21) return FormatValue(Value(v));
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return GroupDigits(std::string(buf, r.ptr), false);
}

std::string FormatNumber(double v, int decimals) {
  if (!std::isfinite(v) || std::abs(v) >= 1e21) return FormatValue(Value(v));
  char buf[400];
  if (decimals < 0) {
    std::snprintf(buf, sizeof buf, "%.*g", -decimals, v);
  } else {
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  }
  return GroupDigits(buf, true);
}

}  // namespace pinpipe::report
