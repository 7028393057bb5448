// Page compression codecs (apache/parquet-format Compression.md): raw block formats, no framing.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "lake/parquet_format.h"

namespace pinpipe::lake {

// Appends the compressed form of [data, data+size) to *out. level < 0 = codec default.
Status Compress(format::Codec codec, const char* data, size_t size, std::string* out, int level = -1);

// Decompresses into exactly `uncompressed_size` bytes (from the page header); any mismatch is
// corruption. *out is resized.
Status Decompress(format::Codec codec, const uint8_t* data, size_t size, size_t uncompressed_size,
                  std::string* out);

const char* CodecName(format::Codec codec);
// "snappy", "zstd", "gzip", "uncompressed"/"none" (case-insensitive).
Result<format::Codec> ParseCodec(std::string_view name);

}  // namespace pinpipe::lake
