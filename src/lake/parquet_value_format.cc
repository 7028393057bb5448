#include "lake/parquet_value_format.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "common/base64.h"
#include "common/json_writer.h"

namespace pinpipe::lake {

namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

void Pad(std::string* out, int64_t v, int width) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  (void)ec;
  for (int n = static_cast<int>(p - buf); n < width; ++n) out->push_back('0');
  out->append(buf, p);
}

constexpr int64_t kUnitsPerSecond[4] = {1, 1000, 1000000, 1000000000};
constexpr int kDigits[4] = {0, 3, 6, 9};

void AppendTimeOfDay(int64_t units_of_day, int unit, std::string* out) {
  int64_t per = kUnitsPerSecond[unit];
  int64_t secs = units_of_day / per;
  Pad(out, secs / 3600, 2);
  out->push_back(':');
  Pad(out, secs / 60 % 60, 2);
  out->push_back(':');
  Pad(out, secs % 60, 2);
  out->push_back('.');
  Pad(out, units_of_day % per, kDigits[unit]);
}

void AppendFloatText(float f, bool json, std::string* out) {
  if (!std::isfinite(f)) {
    const char* s = std::isnan(f) ? "NaN" : f > 0 ? "Infinity" : "-Infinity";
    if (json) {
      AppendJsonString(*out, s);
    } else {
      *out += s;
    }
    return;
  }
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), f);  // shortest round-trip for float
  (void)ec;
  out->append(buf, p);
}

void AppendDoubleText(double d, bool json, std::string* out) {
  if (std::isfinite(d)) {
    AppendJsonDouble(*out, d);
    return;
  }
  const char* s = std::isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
  if (json) {
    AppendJsonString(*out, s);
  } else {
    *out += s;
  }
}

// IEEE 754 binary16 to float (FLOAT16 logical type, little endian 2 bytes).
float HalfToFloat(uint16_t h) {
  int sign = h >> 15, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v;
  if (exp == 0) {
    v = std::ldexp(static_cast<float>(mant), -24);
  } else if (exp == 31) {
    v = mant ? NAN : INFINITY;
  } else {
    v = std::ldexp(static_cast<float>(mant | 0x400), exp - 25);
  }
  return sign ? -v : v;
}

void AppendInt128(unsigned __int128 mag, bool neg, int32_t scale, std::string* out) {
  char digits[48];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + static_cast<int>(mag % 10));
    mag /= 10;
  } while (mag != 0);
  if (neg) out->push_back('-');
  if (scale <= 0) {
    for (int i = n - 1; i >= 0; --i) out->push_back(digits[i]);
    for (int i = 0; i < -scale; ++i) out->push_back('0');
    return;
  }
  // At least one digit before the point.
  while (n <= scale) digits[n++] = '0';
  for (int i = n - 1; i >= 0; --i) {
    out->push_back(digits[i]);
    if (i == scale) out->push_back('.');
  }
}

void AppendDecimal(__int128 unscaled, int32_t scale, std::string* out) {
  bool neg = unscaled < 0;
  unsigned __int128 mag = neg ? static_cast<unsigned __int128>(0) - static_cast<unsigned __int128>(unscaled)
                              : static_cast<unsigned __int128>(unscaled);
  AppendInt128(mag, neg, scale, out);
}

// Big-endian two's complement bytes (DECIMAL on BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY).
bool BytesToInt128(std::string_view b, __int128* v) {
  if (b.empty()) {
    *v = 0;
    return true;
  }
  bool neg = static_cast<uint8_t>(b[0]) & 0x80;
  // Leading sign-extension bytes beyond 16 carry no information.
  while (b.size() > 16) {
    if (static_cast<uint8_t>(b[0]) != (neg ? 0xff : 0x00)) return false;
    b.remove_prefix(1);
  }
  unsigned __int128 u = neg ? ~static_cast<unsigned __int128>(0) : 0;
  for (char c : b) u = (u << 8) | static_cast<uint8_t>(c);
  *v = static_cast<__int128>(u);
  return true;
}

}  // namespace

void AppendCivilDate(int64_t days, std::string* out) {
  // Days to civil date (proleptic Gregorian), after H. Hinnant's "chrono-Compatible Low-Level
  // Date Algorithms".
  int64_t z = days + 719468;
  int64_t era = FloorDiv(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  if (y < 0) {
    out->push_back('-');
    Pad(out, -y, 4);
  } else {
    Pad(out, y, 4);
  }
  out->push_back('-');
  Pad(out, m, 2);
  out->push_back('-');
  Pad(out, d, 2);
}

void AppendTimestamp(int64_t value, int unit, bool utc, std::string* out) {
  if (unit < 1 || unit > 3) unit = 2;
  int64_t per_day = kUnitsPerSecond[unit] * 86400;
  int64_t days = FloorDiv(value, per_day);
  // days * per_day may leave the int64 range near its ends: the remainder in 128 bits.
  auto of_day = static_cast<int64_t>(static_cast<__int128>(value) - static_cast<__int128>(days) * per_day);
  AppendCivilDate(days, out);
  out->push_back('T');
  AppendTimeOfDay(of_day, unit, out);
  if (utc) out->push_back('Z');
}

ValueFormat FormatOf(const LeafColumn& leaf) {
  ValueFormat f;
  const LeafAnnotation& a = leaf.annotation;
  switch (leaf.type) {
    case LeafType::kBoolean: f.kind = ValueFormat::kBool; return f;
    case LeafType::kFloat: f.kind = ValueFormat::kFloat; return f;
    case LeafType::kDouble: f.kind = ValueFormat::kDouble; return f;
    case LeafType::kString: f.kind = ValueFormat::kString; return f;
    case LeafType::kInt96:
      f.kind = ValueFormat::kTimestamp;
      f.unit = 2;
      return f;
    case LeafType::kTimestamp:
      f.kind = ValueFormat::kTimestamp;
      f.unit = 2;
      f.utc = a.kind == LeafAnnotation::kTimestamp ? a.utc : true;
      return f;
    default: break;
  }
  switch (a.kind) {
    case LeafAnnotation::kDecimal:
      f.kind = ValueFormat::kDecimal;
      f.scale = a.scale;
      return f;
    case LeafAnnotation::kDate: f.kind = ValueFormat::kDate; return f;
    case LeafAnnotation::kTime:
      f.kind = ValueFormat::kTime;
      f.unit = a.unit;
      return f;
    case LeafAnnotation::kTimestamp:
      f.kind = ValueFormat::kTimestamp;
      f.unit = a.unit;
      f.utc = a.utc;
      return f;
    case LeafAnnotation::kUuid:
      if (leaf.type == LeafType::kFixed && leaf.type_length == 16) f.kind = ValueFormat::kUuid;
      else f.kind = ValueFormat::kBinary;
      return f;
    case LeafAnnotation::kFloat16:
      f.kind = leaf.type == LeafType::kFixed && leaf.type_length == 2 ? ValueFormat::kFloat16 : ValueFormat::kBinary;
      return f;
    case LeafAnnotation::kString:
    case LeafAnnotation::kJson: f.kind = ValueFormat::kString; return f;
    case LeafAnnotation::kInteger: f.kind = a.is_signed ? ValueFormat::kInt : ValueFormat::kUInt; return f;
    default: break;
  }
  f.kind = leaf.type == LeafType::kBinary || leaf.type == LeafType::kFixed ? ValueFormat::kBinary : ValueFormat::kInt;
  return f;
}

void AppendValue(const ValueFormat& f, const LeafData& d, size_t i, bool json, std::string* out) {
  auto quote = [&] {
    if (json) out->push_back('"');
  };
  auto int_value = [&]() -> int64_t {
    return d.type == LeafType::kInt32 ? d.i32[i] : d.i64[i];
  };
  auto is_int = d.type == LeafType::kInt32 || d.type == LeafType::kInt64 || d.type == LeafType::kTimestamp ||
                d.type == LeafType::kInt96;
  auto is_bytes = d.type == LeafType::kString || d.type == LeafType::kBinary || d.type == LeafType::kFixed;
  switch (f.kind) {
    case ValueFormat::kBool:
      if (d.type == LeafType::kBoolean) {
        *out += d.b[i] ? "true" : "false";
        return;
      }
      break;
    case ValueFormat::kFloat:
      if (d.type == LeafType::kFloat) {
        AppendFloatText(d.f32[i], json, out);
        return;
      }
      break;
    case ValueFormat::kFloat16:
      if (d.type == LeafType::kFixed && d.str[i].size() == 2) {
        auto s = d.str[i];
        AppendFloatText(HalfToFloat(static_cast<uint16_t>(static_cast<uint8_t>(s[0]) | (static_cast<uint8_t>(s[1]) << 8))),
                        json, out);
        return;
      }
      break;
    case ValueFormat::kDouble:
      if (d.type == LeafType::kDouble) {
        AppendDoubleText(d.f64[i], json, out);
        return;
      }
      break;
    case ValueFormat::kInt:
    case ValueFormat::kUInt:
      if (is_int) {
        char buf[24];
        int64_t v = int_value();
        auto [p, ec] = f.kind == ValueFormat::kUInt
                           ? (d.type == LeafType::kInt32
                                  ? std::to_chars(buf, buf + sizeof(buf), static_cast<uint32_t>(v))
                                  : std::to_chars(buf, buf + sizeof(buf), static_cast<uint64_t>(v)))
                           : std::to_chars(buf, buf + sizeof(buf), v);
        (void)ec;
        out->append(buf, p);
        return;
      }
      break;
    case ValueFormat::kDecimal: {
      __int128 v = 0;
      if (is_int) {
        v = int_value();
      } else if (!is_bytes || !BytesToInt128(d.str[i], &v)) {
        break;
      }
      AppendDecimal(v, f.scale, out);
      return;
    }
    case ValueFormat::kDate:
      if (is_int) {
        quote();
        AppendCivilDate(int_value(), out);
        quote();
        return;
      }
      break;
    case ValueFormat::kTime:
      if (is_int) {
        int unit = f.unit >= 1 && f.unit <= 3 ? f.unit : 2;
        int64_t v = int_value();
        if (v < 0 || v > kUnitsPerSecond[unit] * 86400) break;
        quote();
        AppendTimeOfDay(v, unit, out);
        quote();
        return;
      }
      break;
    case ValueFormat::kTimestamp:
      if (is_int) {
        quote();
        AppendTimestamp(int_value(), d.type == LeafType::kInt96 ? 2 : f.unit, f.utc, out);
        quote();
        return;
      }
      break;
    case ValueFormat::kString:
      if (is_bytes) {
        if (json) {
          AppendJsonString(*out, d.str[i]);
        } else {
          *out += d.str[i];
        }
        return;
      }
      break;
    case ValueFormat::kUuid:
      if (is_bytes && d.str[i].size() == 16) {
        static const char kHex[] = "0123456789abcdef";
        quote();
        auto s = d.str[i];
        for (int k = 0; k < 16; ++k) {
          if (k == 4 || k == 6 || k == 8 || k == 10) out->push_back('-');
          out->push_back(kHex[static_cast<uint8_t>(s[k]) >> 4]);
          out->push_back(kHex[static_cast<uint8_t>(s[k]) & 15]);
        }
        quote();
        return;
      }
      break;
    case ValueFormat::kBinary:
      break;
  }
  // Binary, or a format that does not fit the physical type: the raw value.
  if (is_bytes) {
    quote();
    Base64Encode(d.str[i], *out);
    quote();
  } else if (is_int) {
    *out += std::to_string(int_value());
  } else if (d.type == LeafType::kDouble) {
    AppendDoubleText(d.f64[i], json, out);
  } else if (d.type == LeafType::kFloat) {
    AppendFloatText(d.f32[i], json, out);
  } else if (d.type == LeafType::kBoolean) {
    *out += d.b[i] ? "true" : "false";
  } else {
    *out += "null";
  }
}

}  // namespace pinpipe::lake
