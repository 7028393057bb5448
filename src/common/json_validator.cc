#include "common/json_validator.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace pinpipe {
namespace {

constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighs = 0x8080808080808080ull;

// Marks (bit 7 of the byte) each byte of w that is '"', '\\', < 0x20 or >= 0x80 — the bytes a
// string scan must stop at (hasless/haszero from "Bit Twiddling Hacks"). A borrow can only mark
// a byte above a truly marked one, so the lowest mark is exact.
inline uint64_t SpecialBytes(uint64_t w) {
  uint64_t quote = w ^ (kOnes * '"');
  uint64_t slash = w ^ (kOnes * '\\');
  uint64_t zero_q = (quote - kOnes) & ~quote;
  uint64_t zero_s = (slash - kOnes) & ~slash;
  uint64_t ctl = (w - kOnes * 0x20) & ~w;
  return (zero_q | zero_s | ctl | w) & kHighs;
}

// Index of the first marked byte in memory order.
inline size_t FirstMarked(uint64_t mask) {
  if constexpr (std::endian::native == std::endian::little) return static_cast<size_t>(std::countr_zero(mask)) >> 3;
  else return static_cast<size_t>(std::countl_zero(mask)) >> 3;
}

inline bool IsSpecial(unsigned char c) { return c == '"' || c == '\\' || c < 0x20 || c >= 0x80; }

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Validator {
 public:
  Validator(std::string_view t, const JsonLimits& l) : s_(t.data()), n_(t.size()), lim_(l) {}

  JsonValidation Run();

 private:
  bool Fail(size_t at, const char* why) {
    res_.ok = false;
    res_.offset = at;
    res_.reason = why;
    return false;
  }
  void SkipWs() {
    while (i_ < n_ && IsWs(s_[i_])) ++i_;
  }
  bool String();
  bool Escape();
  bool Utf8();
  bool Number();
  bool Literal(const char* word, size_t len);
  bool Push(bool object) {
    if (depth_ >= lim_.max_depth) return Fail(i_, "nesting too deep");
    uint64_t bit = uint64_t{1} << (depth_ & 63);
    if (object) stack_[depth_ >> 6] |= bit;
    else stack_[depth_ >> 6] &= ~bit;
    ++depth_;
    return true;
  }
  bool InObject() const {
    int d = depth_ - 1;
    return (stack_[d >> 6] >> (d & 63)) & 1;
  }
  // Reads 4 hex digits at i_ (after "\u"); -1 if malformed.
  int32_t Hex4() {
    if (n_ - i_ < 4) return -1;
    int32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      int h = HexValue(s_[i_ + k]);
      if (h < 0) return -1;
      v = v * 16 + h;
    }
    i_ += 4;
    return v;
  }

  const char* s_;
  size_t n_;
  const JsonLimits& lim_;
  size_t i_ = 0;
  int depth_ = 0;
  // 1 = object, 0 = array, per open container; each bit is written by Push before it is read,
  // so the array is left uninitialised (no 512-byte clear per call on the hot path).
  uint64_t stack_[kJsonMaxDepthCap / 64];
  JsonValidation res_;
};

JsonValidation Validator::Run() {
  if (lim_.max_depth > kJsonMaxDepthCap) {
    Fail(0, "max_depth above the validator's cap");
    return res_;
  }
  // States of the iterative descent: expecting a value, expecting an object key, or after a
  // value (a ',' or the closing bracket of the innermost container).
value:
  SkipWs();
  if (i_ >= n_) {
    Fail(i_, "unexpected end of text");
    return res_;
  }
  switch (s_[i_]) {
    case '{':
      ++i_;
      if (!Push(true)) return res_;
      SkipWs();
      if (i_ < n_ && s_[i_] == '}') {
        ++i_;
        --depth_;
        goto after;
      }
      goto key;
    case '[':
      ++i_;
      if (!Push(false)) return res_;
      SkipWs();
      if (i_ < n_ && s_[i_] == ']') {
        ++i_;
        --depth_;
        goto after;
      }
      goto value;
    case '"':
      if (!String()) return res_;
      goto after;
    case 't':
      if (!Literal("true", 4)) return res_;
      goto after;
    case 'f':
      if (!Literal("false", 5)) return res_;
      goto after;
    case 'n':
      if (!Literal("null", 4)) return res_;
      goto after;
    default:
      if (s_[i_] == '-' || IsDigit(s_[i_])) {
        if (!Number()) return res_;
        goto after;
      }
      Fail(i_, "unexpected character");
      return res_;
  }
key:
  SkipWs();
  if (i_ >= n_ || s_[i_] != '"') {
    Fail(i_, "expected an object key");
    return res_;
  }
  if (!String()) return res_;
  SkipWs();
  if (i_ >= n_ || s_[i_] != ':') {
    Fail(i_, "expected ':'");
    return res_;
  }
  ++i_;
  goto value;
after:
  SkipWs();
  if (depth_ == 0) {
    if (i_ != n_) Fail(i_, "trailing characters after the value");
    return res_;
  }
  if (i_ >= n_) {
    Fail(i_, "unexpected end of text");
    return res_;
  }
  if (s_[i_] == ',') {
    ++i_;
    if (InObject()) goto key;
    goto value;
  }
  if (s_[i_] == (InObject() ? '}' : ']')) {
    ++i_;
    --depth_;
    goto after;
  }
  Fail(i_, "expected ',' or a closing bracket");
  return res_;
}

bool Validator::String() {
  const size_t open = i_++;
  for (;;) {
    // Skip plain ASCII eight bytes at a time, straight to the first byte that needs a look.
    for (;;) {
      if (n_ - i_ < 8) {
        while (i_ < n_ && !IsSpecial(static_cast<unsigned char>(s_[i_]))) ++i_;
        break;
      }
      uint64_t w;
      std::memcpy(&w, s_ + i_, 8);
      if (uint64_t m = SpecialBytes(w)) {
        i_ += FirstMarked(m);
        break;
      }
      i_ += 8;
    }
    if (i_ >= n_) return Fail(open, "unterminated string");
    const unsigned char c = static_cast<unsigned char>(s_[i_]);
    if (c == '"') {
      ++i_;
      if (i_ - open - 2 > lim_.max_string_bytes) return Fail(open, "string too long");
      return true;
    }
    if (c == '\\') {
      if (!Escape()) return false;
    } else if (c < 0x20) {
      return Fail(i_, "unescaped control character in string");
    } else if (c >= 0x80) {
      if (!Utf8()) return false;
    } else {
      ++i_;
    }
  }
}

bool Validator::Escape() {
  const size_t at = i_++;  // the backslash
  if (i_ >= n_) return Fail(at, "unterminated escape");
  char e = s_[i_++];
  switch (e) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
      return true;
    case 'u': {
      int32_t cp = Hex4();
      if (cp < 0) return Fail(at, "malformed \\u escape");
      if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail(at, "lone low surrogate in \\u escape");
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (n_ - i_ < 2 || s_[i_] != '\\' || s_[i_ + 1] != 'u') {
          return Fail(at, "lone high surrogate in \\u escape");
        }
        i_ += 2;
        int32_t lo = Hex4();
        if (lo < 0xDC00 || lo > 0xDFFF) return Fail(at, "lone high surrogate in \\u escape");
      }
      return true;
    }
    default:
      return Fail(at, "invalid escape");
  }
}

bool Validator::Utf8() {
  // RFC 3629 §4 table of well-formed sequences.
  const size_t at = i_;
  auto byte = [&](size_t k) -> unsigned { return k < n_ ? static_cast<unsigned char>(s_[k]) : 0u; };
  unsigned b0 = byte(at);
  auto cont = [&](unsigned b) { return (b & 0xC0) == 0x80; };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (!cont(byte(at + 1))) return Fail(at, "invalid UTF-8");
    i_ += 2;
    return true;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    unsigned b1 = byte(at + 1);
    unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
    if (b1 < lo || b1 > hi || !cont(byte(at + 2))) return Fail(at, "invalid UTF-8");
    i_ += 3;
    return true;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    unsigned b1 = byte(at + 1);
    unsigned lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
    if (b1 < lo || b1 > hi || !cont(byte(at + 2)) || !cont(byte(at + 3))) {
      return Fail(at, "invalid UTF-8");
    }
    i_ += 4;
    return true;
  }
  return Fail(at, "invalid UTF-8");
}

bool Validator::Number() {
  const size_t start = i_;
  const bool negative = s_[i_] == '-';
  if (negative) ++i_;
  const size_t int_start = i_;
  if (i_ >= n_ || !IsDigit(s_[i_])) return Fail(start, "malformed number");
  if (s_[i_] == '0') {
    ++i_;
    if (i_ < n_ && IsDigit(s_[i_])) return Fail(start, "leading zero in number");
  } else {
    while (i_ < n_ && IsDigit(s_[i_])) ++i_;
  }
  const size_t int_digits = i_ - int_start;
  bool integer = true;
  // Decimal exponent of the first significant digit, to tell which numbers may overflow.
  int64_t magnitude = s_[int_start] == '0' ? INT64_MIN : static_cast<int64_t>(int_digits) - 1;
  if (i_ < n_ && s_[i_] == '.') {
    integer = false;
    ++i_;
    const size_t frac_start = i_;
    if (i_ >= n_ || !IsDigit(s_[i_])) return Fail(start, "malformed number");
    while (i_ < n_ && IsDigit(s_[i_])) {
      if (magnitude == INT64_MIN && s_[i_] != '0') magnitude = -static_cast<int64_t>(i_ - frac_start) - 1;
      ++i_;
    }
  }
  if (i_ < n_ && (s_[i_] == 'e' || s_[i_] == 'E')) {
    integer = false;
    ++i_;
    bool exp_negative = false;
    if (i_ < n_ && (s_[i_] == '+' || s_[i_] == '-')) exp_negative = s_[i_++] == '-';
    if (i_ >= n_ || !IsDigit(s_[i_])) return Fail(start, "malformed number");
    int64_t exp = 0;
    while (i_ < n_ && IsDigit(s_[i_])) {
      if (exp < 1'000'000'000) exp = exp * 10 + (s_[i_] - '0');  // saturates: far past any double
      ++i_;
    }
    if (magnitude != INT64_MIN) magnitude += exp_negative ? -exp : exp;
  }
  const size_t len = i_ - start;
  if (len > lim_.max_number_chars) return Fail(start, "number too long");
  if (integer) {
    // Must fit int64 (negative) or uint64 (non-negative).
    static constexpr std::string_view kMaxU64 = "18446744073709551615";
    static constexpr std::string_view kMinI64 = "9223372036854775808";
    std::string_view digits(s_ + int_start, int_digits);
    std::string_view limit = negative ? kMinI64 : kMaxU64;
    if (digits.size() > limit.size() || (digits.size() == limit.size() && digits > limit)) {
      return Fail(start, "integer out of 64-bit range");
    }
    return true;
  }
  // Below 10^308 a double cannot overflow; above, let the C++ library round it.
  if (magnitude != INT64_MIN && magnitude >= 308) {
    double d = 0;
    auto [ptr, ec] = std::from_chars(s_ + start, s_ + i_, d);
    if (ec != std::errc() || ptr != s_ + i_ || !std::isfinite(d)) {
      return Fail(start, "number out of double range");
    }
  }
  return true;
}

bool Validator::Literal(const char* word, size_t len) {
  if (n_ - i_ < len || std::memcmp(s_ + i_, word, len) != 0) return Fail(i_, "invalid literal");
  i_ += len;
  return true;
}

}  // namespace

JsonValidation ValidateJson(std::string_view text, const JsonLimits& limits) {
  return Validator(text, limits).Run();
}

}  // namespace pinpipe
