#include "kinesis/hash_key.h"

#include <openssl/evp.h>

#include <algorithm>

namespace pinpipe::kinesis {

namespace {

// OpenSSL 3 looks the algorithm up (under a global read lock) on every EVP_Digest with
// EVP_md5(); PutRecords hashes every record's key, so the implementation is fetched once and
// each thread keeps one digest context.
const EVP_MD* Md5() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "MD5", nullptr);
  return md;
}

struct DigestContext {
  DigestContext() : ctx(EVP_MD_CTX_new()) {}
  ~DigestContext() { EVP_MD_CTX_free(ctx); }
  DigestContext(const DigestContext&) = delete;
  DigestContext& operator=(const DigestContext&) = delete;
  EVP_MD_CTX* ctx;
};

}  // namespace

HashKey PartitionKeyHash(std::string_view partition_key) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  thread_local DigestContext c;
  if (c.ctx == nullptr || Md5() == nullptr || EVP_DigestInit_ex2(c.ctx, Md5(), nullptr) != 1 ||
      EVP_DigestUpdate(c.ctx, partition_key.data(), partition_key.size()) != 1 ||
      EVP_DigestFinal_ex(c.ctx, d, &len) != 1) {
    EVP_Digest(partition_key.data(), partition_key.size(), d, &len, EVP_md5(), nullptr);
  }
  HashKey k = 0;
  for (unsigned int i = 0; i < len; ++i) k = (k << 8) | d[i];
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
