#include "kinesis/hash_key.h"

#include <algorithm>

#include "kinesis/md5.h"

namespace pinpipe::kinesis {

HashKey PartitionKeyHash(std::string_view partition_key) {
  HashKey k = 0;
  for (uint8_t byte : Md5(partition_key)) k = (k << 8) | byte;
  return k;
}

std::optional<HashKey> ParseHashKey(std::string_view s) {
  if (s.empty() || s.size() > 39 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  HashKey k = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    HashKey digit = static_cast<HashKey>(c - '0');
    if (k > (kMaxHashKey - digit) / 10) return std::nullopt;
    k = k * 10 + digit;
  }
  return k;
}

std::string HashKeyToString(HashKey k) {
  if (k == 0) return "0";
  std::string s;
  while (k) {
    s += static_cast<char>('0' + static_cast<int>(k % 10));
    k /= 10;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

std::pair<HashKey, HashKey> EvenRange(int i, int n) {
  // floor(2^128 / n) computed without 2^128: (2^128 - 1) / n, plus one when n divides 2^128.
  HashKey h = kMaxHashKey / static_cast<HashKey>(n);
  if (kMaxHashKey % static_cast<HashKey>(n) == static_cast<HashKey>(n - 1)) ++h;
  HashKey start = h * static_cast<HashKey>(i);
  HashKey end = i == n - 1 ? kMaxHashKey : h * static_cast<HashKey>(i + 1) - 1;
  return {start, end};
}

}  // namespace pinpipe::kinesis
