#include "kinesis/sequence_number.h"

#include <algorithm>
#include <cstdio>
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

}  // namespace

std::string EncodeSequenceNumber(const SequenceParts& p) {
  // The 188-bit number as three 64-bit limbs (most significant first), converted to decimal by
  // repeated division by 10^18: no allocation but the result (PutRecords calls this per record).
  __extension__ typedef unsigned __int128 u128;
  const uint64_t created = static_cast<uint64_t>(p.shard_created_s) & 0xfffffffffULL;
  const uint64_t record = static_cast<uint64_t>(p.record_s) & 0xfffffffffULL;
  const uint64_t index = static_cast<uint32_t>(p.shard_index);
  const uint64_t offset = static_cast<uint64_t>(p.offset);
  // hex digits 0..46; limb 2 holds digits 31..46 (16), limb 1 digits 15..30, limb 0 digits 0..14.
  // Build as a 47-digit hex string first, then pack; cheap and obviously right.
  char hex[kHexDigits + 1];
  std::snprintf(hex, sizeof hex, "2%09llx%01x%016llx00%09llx%08x2",
                static_cast<unsigned long long>(created), static_cast<unsigned>(index & 0xf),
                static_cast<unsigned long long>(offset), static_cast<unsigned long long>(record),
                static_cast<unsigned>(index));
  uint64_t limb[3] = {Field(hex, 0, 15), Field(hex, 15, 16), Field(hex, 31, 16)};
  constexpr uint64_t kChunk = 1000000000000000000ULL;  // 10^18
  char digits[96];  // 4 rounds of 18 digits at most
  int nd = 0;
  while (limb[0] || limb[1] || limb[2]) {
    u128 rem = 0;
    for (uint64_t& l : limb) {
      u128 cur = (rem << 64) | l;
      l = static_cast<uint64_t>(cur / kChunk);
      rem = cur % kChunk;
    }
    uint64_t r = static_cast<uint64_t>(rem);
    for (int k = 0; k < 18; ++k) {
      digits[nd++] = static_cast<char>('0' + r % 10);
      r /= 10;
    }
  }
  while (nd > 1 && digits[nd - 1] == '0') --nd;
  std::string dec(static_cast<size_t>(nd), '0');
  for (int k = 0; k < nd; ++k) dec[static_cast<size_t>(k)] = digits[nd - 1 - k];
  return dec;
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
