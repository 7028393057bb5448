// Deletion vectors (PROTOCOL.md "Deletion Vectors", reader feature deletionVectors): an add
// action's deletionVector descriptor names a set of row indexes (0-based positions in the data
// file) that are no longer part of the table. Storage types: 'u' — a file
// <prefix>/deletion_vector_<uuid>.bin under the table root, the UUID Z85-encoded in the last 20
// characters of pathOrInlineDv; 'p' — an absolute path; 'i' — the bitmap inline, Z85-encoded.
// A DV file starts with a version byte (1); at `offset`: a 4-byte big-endian size, the
// serialized bitmap, a 4-byte big-endian CRC-32 of it. The bitmap is a RoaringBitmapArray:
// magic 1681511377 (LE), the number of 32-bit bitmaps (LE int64), then per bitmap its high 32
// bits (LE uint32) and a 32-bit Roaring bitmap in the portable serialization
// (RoaringBitmap/RoaringFormatSpec).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "lake/delta_actions.h"
#include "lake/delta_storage.h"

namespace pinpipe::lake {

// Deleted row indexes of one file, sorted; queried in increasing row order.
class DeletedRows {
 public:
  DeletedRows() = default;
  explicit DeletedRows(std::vector<uint64_t> rows) : rows_(std::move(rows)) {}
  // True when `row` is deleted; calls must come with non-decreasing rows (a scan).
  bool Contains(uint64_t row) {
    while (next_ < rows_.size() && rows_[next_] < row) ++next_;
    return next_ < rows_.size() && rows_[next_] == row;
  }
  const std::vector<uint64_t>& rows() const { return rows_; }

 private:
  std::vector<uint64_t> rows_;
  size_t next_ = 0;
};

// Z85 (ZeroMQ RFC 32) decoding; the input length must be a multiple of 5. nullopt when invalid.
std::optional<std::string> Z85Decode(std::string_view text);

// Parses a serialized RoaringBitmapArray (magic first) into sorted row indexes.
Result<std::vector<uint64_t>> ParseRoaringBitmapArray(std::string_view data);

// The deletion vector descriptor fields (PROTOCOL.md "Deletion Vector Descriptor Schema").
struct DeletionVectorDescriptor {
  char storage_type = 0;  // 'u', 'p', 'i'
  std::string path_or_inline_dv;
  int64_t offset = 1;  // absent for inline
  int64_t size_in_bytes = 0;
  int64_t cardinality = 0;
};
Result<DeletionVectorDescriptor> ParseDeletionVectorDescriptor(std::string_view json);

// The storage key (relative to the table root) of a 'u' descriptor's file.
Result<std::string> DeletionVectorKey(const DeletionVectorDescriptor& dv);

// The deleted rows of `add` (empty without a deletion vector). Errors: kCorruption for a
// malformed descriptor, bitmap, checksum or cardinality; kNotFound for a missing DV file.
Result<DeletedRows> LoadDeletedRows(TableStorage& storage, const AddFile& add);

}  // namespace pinpipe::lake
