#include "kinesis/shard_iterator.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/base64.h"

namespace pinpipe::kinesis {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kMacBytes = 16;
constexpr size_t kFixed = 1 + 8 + 4 + 8 + 8 + 8;  // version, created, shard, offset, min ts, issued

void Put64(std::string& out, uint64_t v) {
  for (int k = 7; k >= 0; --k) out += static_cast<char>((v >> (8 * k)) & 0xff);
}
uint64_t Get64(std::string_view in, size_t pos) {
  uint64_t v = 0;
  for (size_t k = 0; k < 8; ++k) v = (v << 8) | static_cast<uint8_t>(in[pos + k]);
  return v;
}

void Mac(std::string_view secret, std::string_view data, unsigned char out[EVP_MAX_MD_SIZE]) {
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
}

}  // namespace

std::string EncodeShardIterator(const IteratorState& s, std::string_view secret) {
  std::string raw;
  raw.reserve(kFixed + s.stream.size() + kMacBytes);
  raw += static_cast<char>(kVersion);
  Put64(raw, static_cast<uint64_t>(s.stream_created_ms));
  for (int k = 3; k >= 0; --k) raw += static_cast<char>((static_cast<uint32_t>(s.shard_index) >> (8 * k)) & 0xff);
  Put64(raw, static_cast<uint64_t>(s.offset));
  Put64(raw, static_cast<uint64_t>(s.min_timestamp_ms));
  Put64(raw, static_cast<uint64_t>(s.issued_ms));
  raw += s.stream;
  unsigned char mac[EVP_MAX_MD_SIZE];
  Mac(secret, raw, mac);
  raw.append(reinterpret_cast<const char*>(mac), kMacBytes);
  std::string out;
  Base64Encode(raw, out);
  return out;
}

std::optional<IteratorState> DecodeShardIterator(std::string_view token, std::string_view secret) {
  if (token.size() > 512) return std::nullopt;
  std::string raw;
  if (!Base64Decode(token, raw) || raw.size() < kFixed + 1 + kMacBytes || raw[0] != kVersion) {
    return std::nullopt;
  }
  std::string_view body(raw.data(), raw.size() - kMacBytes);
  unsigned char mac[EVP_MAX_MD_SIZE];
  Mac(secret, body, mac);
  if (CRYPTO_memcmp(mac, raw.data() + body.size(), kMacBytes) != 0) return std::nullopt;
  IteratorState s;
  s.stream_created_ms = static_cast<int64_t>(Get64(body, 1));
  s.shard_index = static_cast<int32_t>((static_cast<uint32_t>(static_cast<uint8_t>(body[9])) << 24) |
                                       (static_cast<uint32_t>(static_cast<uint8_t>(body[10])) << 16) |
                                       (static_cast<uint32_t>(static_cast<uint8_t>(body[11])) << 8) |
                                       static_cast<uint32_t>(static_cast<uint8_t>(body[12])));
  s.offset = static_cast<int64_t>(Get64(body, 13));
  s.min_timestamp_ms = static_cast<int64_t>(Get64(body, 21));
  s.issued_ms = static_cast<int64_t>(Get64(body, 29));
  s.stream = std::string(body.substr(kFixed));
  return s;
}

}  // namespace pinpipe::kinesis
