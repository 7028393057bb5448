// Decompression of Kafka batch payloads (kafka.md §2.5): the records part of a compressed
// RecordBatch v2 is one blob in the codec's wire format:
//  gzip   - RFC 1952 gzip stream (zlib inflate with gzip header)
//  snappy - either raw snappy, or the xerial framing Java clients write: magic
//           "\x82SNAPPY\0", int32 version, int32 min version, then blocks of
//           {int32 big-endian compressed length, raw snappy block}
//  lz4    - LZ4 frame format
//  zstd   - zstd frame(s)
// Compression is provided too (for tests and for producing compressed batches later).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "log/record_batch.h"

namespace pinpipe::log {

// Appends the decompressed bytes of `in` to `out`. `max_out` bounds the output (a corrupt or
// hostile blob cannot make us allocate without limit).
Status Decompress(Compression codec, std::string_view in, std::string& out,
                  size_t max_out = 256u << 20);

// Appends the compressed form of `in` to `out` (snappy uses the xerial framing Java clients
// use, which every client can read).
Status Compress(Compression codec, std::string_view in, std::string& out);

}  // namespace pinpipe::log
