// MD5 (RFC 1321) of a byte string: Kinesis maps partition keys to shards by it (protocols.md
// §2.3). Not for security. Written here rather than through OpenSSL's EVP interface, whose
// per-call set-up costs twice the hash itself for a short key (one per PutRecord record).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace pinpipe::kinesis {

std::array<uint8_t, 16> Md5(std::string_view data);

}  // namespace pinpipe::kinesis
