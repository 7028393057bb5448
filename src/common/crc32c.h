// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka RecordBatch v2
// (kafka.md §2.3) and of pinpipe's own framed files. Uses the SSE4.2 crc32 instruction when the
// CPU has it (detected once at run time) and a slicing-by-8 table otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pinpipe {

// Continues a CRC: Crc32cExtend(Crc32c(a), b) == Crc32c(a + b). `crc` is the finished value
// of the previous part (not the raw register), like LevelDB's crc32c::Extend.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);

inline uint32_t Crc32c(const void* data, size_t n) { return Crc32cExtend(0, data, n); }
inline uint32_t Crc32c(std::string_view s) { return Crc32cExtend(0, s.data(), s.size()); }

// True when the hardware path is in use (for logs and benchmarks).
bool Crc32cIsHardwareAccelerated();

}  // namespace pinpipe
