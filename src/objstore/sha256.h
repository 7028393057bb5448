// SHA-256 and HMAC-SHA256 (OpenSSL) in the shapes SigV4 needs.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace pinpipe::objstore {

using Digest256 = std::array<uint8_t, 32>;

Digest256 Sha256(std::string_view data);
Digest256 HmacSha256(std::string_view key, std::string_view data);
std::string HexLower(const uint8_t* data, size_t n);
inline std::string HexLower(const Digest256& d) { return HexLower(d.data(), d.size()); }
inline std::string Sha256Hex(std::string_view data) { return HexLower(Sha256(data)); }
// Base64 of the raw MD5 digest (Content-MD5), and hex MD5 (S3 ETags).
std::string Md5Base64(std::string_view data);
std::string Md5Hex(std::string_view data);

}  // namespace pinpipe::objstore
