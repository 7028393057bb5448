// Character classes of RFC 9110 §5.6.2 (token) and §5.5 (field values), as lookup tables.
#pragma once

#include <array>
#include <cstdint>

namespace pinpipe::http {

namespace detail {
constexpr std::array<bool, 256> MakeTchar() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : {'!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~'}) {
    t[static_cast<uint8_t>(c)] = true;
  }
  return t;
}
// field-vchar / SP / HTAB; obs-text (0x80-0xFF) allowed as RFC 9110 §5.5 permits.
constexpr std::array<bool, 256> MakeFieldChar() {
  std::array<bool, 256> t{};
  for (int c = 0x20; c <= 0x7e; ++c) t[c] = true;
  for (int c = 0x80; c <= 0xff; ++c) t[c] = true;
  t['\t'] = true;
  return t;
}
inline constexpr std::array<bool, 256> kTchar = MakeTchar();
inline constexpr std::array<bool, 256> kFieldChar = MakeFieldChar();
}  // namespace detail

inline bool IsTchar(char c) { return detail::kTchar[static_cast<uint8_t>(c)]; }
inline bool IsFieldChar(char c) { return detail::kFieldChar[static_cast<uint8_t>(c)]; }
// request-target bytes: visible ASCII only (no SP, CTL, DEL or bytes >= 0x80).
inline bool IsTargetChar(char c) { return c > 0x20 && c < 0x7f; }

}  // namespace pinpipe::http
