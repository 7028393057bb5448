#include "pinterest/result_table.h"

#include <charconv>

#include "pinterest/timestamp.h"

namespace pinpipe::pinterest {

void ResultColumn::PushInt(int64_t v) {
  ints.push_back(v);
  valid.push_back(1);
}
void ResultColumn::PushDouble(double v) {
  doubles.push_back(v);
  valid.push_back(1);
}
void ResultColumn::PushString(std::string_view v) {
  strings.emplace_back(v);
  valid.push_back(1);
}
void ResultColumn::PushNull() {
  switch (type) {
    case ColumnType::kDouble:
      doubles.push_back(0);
      break;
    case ColumnType::kString:
      strings.emplace_back();
      break;
    default:
      ints.push_back(0);
  }
  valid.push_back(0);
}

std::string ResultColumn::Text(size_t row, bool* is_null) const {
  const bool null = valid[row] == 0;
  if (is_null) *is_null = null;
  if (null) return {};
  switch (type) {
    case ColumnType::kLong:
    case ColumnType::kInt:
      return std::to_string(ints[row]);
    case ColumnType::kTimestamp:
      return FormatTimestampMicros(ints[row]);
    case ColumnType::kDouble: {
      // Shortest round-trip digits, fixed notation in [1e-7, 1e21) like JavaScript's
      // Number#toString (1000000, not 1e+06), scientific outside it.
      char buf[64];
      const double v = doubles[row];
      const double a = v < 0 ? -v : v;
      const auto fmt = (a == 0 || (a >= 1e-7 && a < 1e21)) ? std::chars_format::fixed
                                                           : std::chars_format::scientific;
      auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v, fmt);
      return std::string(buf, p);
    }
    case ColumnType::kString:
      return strings[row];
    case ColumnType::kDoubleArray:
      break;
  }
  return {};
}

const ResultColumn* ResultTable::Column(std::string_view column_name) const {
  for (const auto& c : columns)
    if (c.name == column_name) return &c;
  return nullptr;
}

}  // namespace pinpipe::pinterest
