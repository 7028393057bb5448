// Shard iterators: opaque, tamper-proof tokens (protocols.md §2.4). A token carries the stream
// (name and creation time, so an iterator of a deleted and re-created stream is refused), the
// shard, the next log offset, an optional minimum arrival time (AT_TIMESTAMP inside a batch)
// and its issue time; HMAC-SHA256 under the server's secret authenticates it (truncated to
// 128 bits); base64. Expiry (300 s after issue) is the caller's check on `issued_ms`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pinpipe::kinesis {

inline constexpr int64_t kIteratorLifetimeMs = 300000;

struct IteratorState {
  std::string stream;
  int64_t stream_created_ms = 0;
  int32_t shard_index = 0;
  int64_t offset = 0;
  int64_t min_timestamp_ms = 0;  // skip records that arrived before (AT_TIMESTAMP)
  int64_t issued_ms = 0;
};

std::string EncodeShardIterator(const IteratorState& s, std::string_view secret);
// nullopt when malformed or the MAC does not match.
std::optional<IteratorState> DecodeShardIterator(std::string_view token, std::string_view secret);

}  // namespace pinpipe::kinesis
