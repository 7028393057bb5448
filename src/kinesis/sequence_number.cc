#include "kinesis/sequence_number.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

namespace pinpipe::kinesis {
namespace {

constexpr size_t kHexDigits = 47;

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Arbitrary-precision base conversion over digit vectors (most significant first).
std::vector<uint8_t> Convert(const std::vector<uint8_t>& in, int from, int to) {
  std::vector<uint8_t> num = in, out;
  while (!num.empty()) {
    std::vector<uint8_t> quotient;
    int rem = 0;
    for (uint8_t d : num) {
      int cur = rem * from + d;
      int q = cur / to;
      rem = cur % to;
      if (!quotient.empty() || q) quotient.push_back(static_cast<uint8_t>(q));
    }
    out.push_back(static_cast<uint8_t>(rem));
    num = std::move(quotient);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

uint64_t Field(std::string_view hex, size_t pos, size_t n) {
  uint64_t v = 0;
  for (size_t k = 0; k < n; ++k) v = (v << 4) | static_cast<uint64_t>(HexVal(hex[pos + k]));
  return v;
}

constexpr uint64_t kChunk = 1000000000000000000ULL;  // 10^18

// (hi * 2^64 + lo) / 10^18 and its remainder, for hi < 10^18 (so the quotient fits 64 bits):
// one divq on x86-64, where a 128-bit division is otherwise a call into libgcc.
inline uint64_t DivideByChunk(uint64_t hi, uint64_t lo, uint64_t* rem) {
#if defined(__x86_64__)
  uint64_t q = 0, r = 0;
  __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "r"(kChunk));
  *rem = r;
  return q;
#else
  __extension__ typedef unsigned __int128 u128;
  const u128 cur = (static_cast<u128>(hi) << 64) | lo;
  *rem = static_cast<uint64_t>(cur % kChunk);
  return static_cast<uint64_t>(cur / kChunk);
#endif
}

constexpr std::array<char, 200> MakeDigitPairs() {
  std::array<char, 200> t{};
  for (int i = 0; i < 100; ++i) {
    t[static_cast<size_t>(2 * i)] = static_cast<char>('0' + i / 10);
    t[static_cast<size_t>(2 * i + 1)] = static_cast<char>('0' + i % 10);
  }
  return t;
}
constexpr auto kDigitPairs = MakeDigitPairs();

}  // namespace

std::string EncodeSequenceNumber(const SequenceParts& p) {
  // The 188-bit number as three 64-bit limbs (most significant first), converted to decimal by
  // repeated division by 10^18: no allocation but the result (PutRecords calls this per record).
  // Its 47 hex digits are "2, created(9), index mod 16 (1), offset(16), 00, record(9), index(8),
  // 2"; from the least significant bit: 0-3 the 2, 4-35 index, 36-71 record, 72-79 zero,
  // 80-143 offset, 144-147 index mod 16, 148-183 created, 184-187 the leading 2.
  __extension__ typedef unsigned __int128 u128;
  const uint64_t created = static_cast<uint64_t>(p.shard_created_s) & 0xfffffffffULL;
  const uint64_t record = static_cast<uint64_t>(p.record_s) & 0xfffffffffULL;
  const uint64_t index = static_cast<uint32_t>(p.shard_index);
  const uint64_t offset = static_cast<uint64_t>(p.offset);
  const u128 low = u128{2} | (u128{index} << 4) | (u128{record} << 36) | (u128{offset} << 80);
  const uint64_t high = (offset >> 48) | ((index & 0xf) << 16) | (created << 20) | (uint64_t{2} << 56);
  uint64_t limb[3] = {high, static_cast<uint64_t>(low >> 64), static_cast<uint64_t>(low)};
  char buf[80];  // 4 rounds of 18 digits at most
  char* const end = buf + sizeof buf;
  char* d = end;
  while (limb[0] || limb[1] || limb[2]) {
    uint64_t rem = 0;
    for (uint64_t& l : limb) l = DivideByChunk(rem, l, &rem);
    for (int k = 0; k < 9; ++k) {  // the remainder's 18 digits, two at a time
      d -= 2;
      std::memcpy(d, &kDigitPairs[2 * (rem % 100)], 2);
      rem /= 100;
    }
  }
  while (d < end - 1 && *d == '0') ++d;
  return std::string(d, end);
}

std::optional<SequenceParts> DecodeSequenceNumber(std::string_view s) {
  if (s.empty() || s.size() > 129 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  std::vector<uint8_t> digits;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    digits.push_back(static_cast<uint8_t>(c - '0'));
  }
  std::string hex;
  for (uint8_t d : Convert(digits, 10, 16)) hex += "0123456789abcdef"[d];
  if (hex.size() != kHexDigits || hex[0] != '2' || hex.back() != '2' || hex[27] != '0' ||
      hex[28] != '0') {
    return std::nullopt;
  }
  SequenceParts p;
  p.shard_created_s = static_cast<int64_t>(Field(hex, 1, 9));
  uint64_t low = Field(hex, 10, 1);
  uint64_t offset = Field(hex, 11, 16);
  p.record_s = static_cast<int64_t>(Field(hex, 29, 9));
  uint64_t index = Field(hex, 38, 8);
  if ((index & 0xf) != low || index > 0x7fffffff || offset > 0x7fffffffffffffffULL) return std::nullopt;
  p.shard_index = static_cast<int32_t>(index);
  p.offset = static_cast<int64_t>(offset);
  return p;
}

}  // namespace pinpipe::kinesis
