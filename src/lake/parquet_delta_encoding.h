// The DELTA_* and BYTE_STREAM_SPLIT value encodings (apache/parquet-format Encodings.md
// "Delta Encoding", "Delta-length byte array", "Delta Strings", "Byte Stream Split") and RLE
// booleans, as parquet-java (Spark), arrow-rs (delta-rs) and DuckDB write them in v2 pages.
// Decoders only: pinpipe writes PLAIN and dictionaries. Every count, width and length comes
// from the file and is checked; arithmetic wraps as the spec requires.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/status.h"
#include "lake/parquet_column_data.h"

namespace pinpipe::lake {

// DELTA_BINARY_PACKED: appends n values (as uint64, two's complement) to *out; *consumed =
// bytes of the encoded run including the padding of its last miniblock.
Status DecodeDeltaBinaryPacked(const uint8_t* data, size_t size, size_t n, std::vector<uint64_t>* out,
                               size_t* consumed);

// Decodes n values of the given encoding from [data, data+size) into the value vector of *out
// (whose type and fixed_len are set). Handles PLAIN, RLE (booleans), DELTA_BINARY_PACKED,
// DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT; dictionary encodings are the
// column reader's. kUnsupported for an encoding that does not apply to the type.
Status DecodeValues(int32_t encoding, const uint8_t* data, size_t size, size_t n, LeafData* out);

}  // namespace pinpipe::lake
