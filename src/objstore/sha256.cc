#include "objstore/sha256.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>

#include "common/base64.h"

namespace pinpipe::objstore {

Digest256 Sha256(std::string_view data) {
  Digest256 out{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

Digest256 HmacSha256(std::string_view key, std::string_view data) {
  Digest256 out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return out;
}

std::string HexLower(const uint8_t* data, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 15];
  }
  return out;
}

namespace {
std::array<uint8_t, 16> Md5(std::string_view data) {
  std::array<uint8_t, 16> d{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), d.data(), &len, EVP_md5(), nullptr);
  return d;
}
}  // namespace

std::string Md5Base64(std::string_view data) {
  auto d = Md5(data);
  std::string out;
  Base64Encode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()), out);
  return out;
}

std::string Md5Hex(std::string_view data) {
  auto d = Md5(data);
  return HexLower(d.data(), d.size());
}

}  // namespace pinpipe::objstore
