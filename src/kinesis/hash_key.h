// 128-bit hash keys (protocols.md §2.3): MD5 of the partition key's UTF-8 bytes read as an
// unsigned big-endian integer; the space [0, 2^128-1] split evenly among a stream's shards
// (h = floor(2^128 / N), shard i = [h*i, h*(i+1) - 1], the last ending at 2^128 - 1).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace pinpipe::kinesis {

__extension__ typedef unsigned __int128 HashKey;

inline constexpr HashKey kMaxHashKey = ~static_cast<HashKey>(0);

HashKey PartitionKeyHash(std::string_view partition_key);
// Decimal (pattern 0|([1-9]\d{0,38})) within [0, 2^128-1]; nullopt otherwise.
std::optional<HashKey> ParseHashKey(std::string_view decimal);
std::string HashKeyToString(HashKey k);
// [start, end] of shard i of n evenly split shards (0 <= i < n).
std::pair<HashKey, HashKey> EvenRange(int i, int n);

}  // namespace pinpipe::kinesis
