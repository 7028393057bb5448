#include "common/base64.h"

#include <array>
#include <cstdint>

namespace pinpipe {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr auto kDecode = MakeDecodeTable();

// kShifted[k][c]: the sextet of character c at position k of a quad, already shifted into its
// place in the 24-bit group; kInvalid set for a character outside the alphabet.
constexpr uint32_t kInvalid = 0x80000000u;
constexpr std::array<std::array<uint32_t, 256>, 4> MakeShiftedTables() {
  std::array<std::array<uint32_t, 256>, 4> t{};
  for (int k = 0; k < 4; ++k) {
    for (int c = 0; c < 256; ++c) {
      const int8_t v = kDecode[static_cast<size_t>(c)];
      t[static_cast<size_t>(k)][static_cast<size_t>(c)] =
          v < 0 ? kInvalid : static_cast<uint32_t>(v) << (18 - 6 * k);
    }
  }
  return t;
}
constexpr auto kShifted = MakeShiftedTables();

}  // namespace

void Base64Encode(std::string_view in, std::string& out) {
  size_t start = out.size();
  out.resize(start + (in.size() + 2) / 3 * 4);
  char* o = out.data() + start;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
    *o++ = kAlphabet[v & 63];
  }
  size_t rest = in.size() - i;
  if (rest == 1) {
    uint32_t v = p[i] << 16;
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = '=';
    *o++ = '=';
  } else if (rest == 2) {
    uint32_t v = (p[i] << 16) | (p[i + 1] << 8);
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
    *o++ = '=';
  }
}

bool Base64Decode(std::string_view in, std::string& out) {
  if (in.size() % 4 != 0) return false;
  size_t pad = 0;
  if (!in.empty() && in.back() == '=') pad = (in.size() >= 2 && in[in.size() - 2] == '=') ? 2 : 1;
  size_t start = out.size();
  out.resize(start + in.size() / 4 * 3 - pad);
  char* o = out.data() + start;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  // Every quad but the last has no padding: four table loads, one validity test (Kinesis
  // PutRecords decodes each record's Data here).
  const size_t body = in.empty() ? 0 : in.size() - 4;
  size_t i = 0;
  for (; i < body; i += 4) {
    const uint32_t v = kShifted[0][p[i]] | kShifted[1][p[i + 1]] | kShifted[2][p[i + 2]] | kShifted[3][p[i + 3]];
    if (v & kInvalid) {
      out.resize(start);
      return false;
    }
    o[0] = static_cast<char>(v >> 16);
    o[1] = static_cast<char>(v >> 8);
    o[2] = static_cast<char>(v);
    o += 3;
  }
  if (i == in.size()) return true;
  int8_t a = kDecode[p[i]];
  int8_t b = kDecode[p[i + 1]];
  int8_t c = pad == 2 ? 0 : kDecode[p[i + 2]];
  int8_t d = pad >= 1 ? 0 : kDecode[p[i + 3]];
  if ((a | b | c | d) < 0) {
    out.resize(start);
    return false;
  }
  uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
  *o++ = static_cast<char>(v >> 16);
  if (pad < 2) *o++ = static_cast<char>(v >> 8);
  if (pad < 1) *o++ = static_cast<char>(v);
  return true;
}

}  // namespace pinpipe
