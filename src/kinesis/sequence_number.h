// Sequence numbers (protocols.md §2.4): kinesalite's "version 2" layout of real AWS numbers,
// 47 hex digits written in decimal (56 digits):
//   '2' | shard creation time, s (9 hex) | shard index & 0xf (1) | seqIx (16) | "00" |
//   record arrival time, s (9) | shard index (8) | '2'
// seqIx is the record's offset in the shard's log partition, so numbers increase strictly per
// shard, survive restarts (offsets do) and decode back to a log position without an index.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pinpipe::kinesis {

struct SequenceParts {
  int64_t shard_created_s = 0;
  int32_t shard_index = 0;
  int64_t offset = 0;  // seqIx
  int64_t record_s = 0;
};

std::string EncodeSequenceNumber(const SequenceParts& p);
// nullopt if not a decimal number of this layout.
std::optional<SequenceParts> DecodeSequenceNumber(std::string_view decimal);

}  // namespace pinpipe::kinesis
