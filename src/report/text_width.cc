#include "report/text_width.h"

#include <cstdint>

namespace pinpipe::report {
namespace {

// Decodes one code point at s[i]; returns its byte length (1 for an invalid byte, cp = -1).
size_t Decode(std::string_view s, size_t i, int32_t* cp) {
  const auto b = static_cast<unsigned char>(s[i]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : (b >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) {
    *cp = -1;
    return 1;
  }
  int32_t v = n == 1 ? b : n == 2 ? (b & 0x1f) : n == 3 ? (b & 0x0f) : (b & 0x07);
  for (size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xc0) != 0x80) {
      *cp = -1;
      return 1;
    }
    v = (v << 6) | (c & 0x3f);
  }
  *cp = v;
  return n;
}

int CodePointWidth(int32_t cp) {
  if (cp < 0) return 1;
  if ((cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x1ab0 && cp <= 0x1aff) ||
      (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x20d0 && cp <= 0x20ff) ||
      (cp >= 0xfe20 && cp <= 0xfe2f) || (cp >= 0xfe00 && cp <= 0xfe0f) ||
      (cp >= 0x200b && cp <= 0x200f) || cp == 0x2060 || cp == 0xfeff ||
      (cp >= 0xe0100 && cp <= 0xe01ef)) {
    return 0;
  }
  if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
      (cp >= 0x3041 && cp <= 0x33ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
      (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
      (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd)) {
    return 2;
  }
  return 1;
}

}  // namespace

size_t DisplayWidth(std::string_view utf8) {
  size_t w = 0;
  for (size_t i = 0; i < utf8.size();) {
    int32_t cp;
    i += Decode(utf8, i, &cp);
    w += static_cast<size_t>(CodePointWidth(cp));
  }
  return w;
}

std::string TruncateToWidth(std::string_view utf8, size_t width) {
  if (DisplayWidth(utf8) <= width) return std::string(utf8);
  if (width == 0) return "";
  std::string out;
  size_t w = 0;
  for (size_t i = 0; i < utf8.size();) {
    int32_t cp;
    const size_t n = Decode(utf8, i, &cp);
    const size_t cw = static_cast<size_t>(CodePointWidth(cp));
    if (w + cw > width - 1) break;  // keep one column for the ellipsis
    out.append(utf8.substr(i, n));
    w += cw;
    i += n;
  }
  return out + "…";
}

std::string ReplaceControlCharacters(std::string_view utf8) {
  std::string out(utf8);
  for (char& c : out) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) c = ' ';
  }
  return out;
}

}  // namespace pinpipe::report
