// Kafka RecordBatch v2 (magic 2): encoding, validation and zero-copy decoding.
// Layout: kafka.md §2.3 (AK docs/implementation.html, DefaultRecordBatch.java). All fixed-width
// fields big-endian; record fields are zig-zag varints; CRC-32C covers bytes [21, end).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pinpipe::log {

inline constexpr size_t kBatchHeaderSize = 61;  // bytes before the first record
inline constexpr size_t kBatchLogOverhead = 12;  // baseOffset + batchLength
inline constexpr int8_t kMagicV2 = 2;

// Offsets of the fixed header fields.
inline constexpr size_t kBaseOffsetPos = 0;
inline constexpr size_t kBatchLengthPos = 8;
inline constexpr size_t kLeaderEpochPos = 12;
inline constexpr size_t kMagicPos = 16;
inline constexpr size_t kCrcPos = 17;
inline constexpr size_t kAttributesPos = 21;
inline constexpr size_t kLastOffsetDeltaPos = 23;
inline constexpr size_t kBaseTimestampPos = 27;
inline constexpr size_t kMaxTimestampPos = 35;
inline constexpr size_t kProducerIdPos = 43;
inline constexpr size_t kProducerEpochPos = 51;
inline constexpr size_t kBaseSequencePos = 53;
inline constexpr size_t kRecordCountPos = 57;

enum class Compression : uint8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };

// Attribute bits (kafka.md §2.3).
inline constexpr uint16_t kAttrCompressionMask = 0x07;
inline constexpr uint16_t kAttrLogAppendTime = 0x08;
inline constexpr uint16_t kAttrTransactional = 0x10;
inline constexpr uint16_t kAttrControl = 0x20;

struct Header {
  std::string_view key;
  std::optional<std::string_view> value;  // nullopt = null
};

// One record to append. Views must stay valid for the duration of the call that takes them.
struct Record {
  std::optional<std::string_view> key;    // nullopt = null key
  std::optional<std::string_view> value;  // nullopt = null value (a tombstone)
  std::span<const Header> headers;
  int64_t timestamp_ms = -1;  // CreateTime; -1 = "now" (filled in by the log)
};

// The decoded fixed header of one batch.
struct BatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;  // total size - 12
  int32_t partition_leader_epoch = 0;
  int8_t magic = 0;
  uint32_t crc = 0;
  uint16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t record_count = 0;

  size_t size() const { return static_cast<size_t>(batch_length) + kBatchLogOverhead; }
  // Wrapping arithmetic: headers from clients or damaged files may hold any values, and a
  // nonsense offset must be rejected by the caller's checks, not be undefined behaviour.
  int64_t last_offset() const {
    return static_cast<int64_t>(static_cast<uint64_t>(base_offset) + static_cast<uint64_t>(static_cast<int64_t>(last_offset_delta)));
  }
  int64_t next_offset() const { return static_cast<int64_t>(static_cast<uint64_t>(last_offset()) + 1); }
  Compression compression() const {
    return static_cast<Compression>(attributes & kAttrCompressionMask);
  }
};

// Options for batches the log builds itself.
struct BatchOptions {
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
};

// Size of the encoded uncompressed batch for `records` (exact; used to reserve once).
size_t EncodedBatchSize(std::span<const Record> records);

// Appends one uncompressed batch holding `records` to `out` (which is not cleared, so a caller
// can reuse one buffer without allocating per record or per batch once it is warm).
// Records with timestamp_ms == -1 get `now_ms`. `records` must not be empty.
void EncodeBatch(const BatchOptions& opts, std::span<const Record> records, int64_t now_ms,
                 std::string& out);

// Big-endian helpers used by the log and the Kafka codec.
int64_t ReadBigEndian64(const char* p);
int32_t ReadBigEndian32(const char* p);
int16_t ReadBigEndian16(const char* p);
void WriteBigEndian64(char* p, int64_t v);
void WriteBigEndian32(char* p, int32_t v);

// Parses the 61-byte fixed header (no CRC or size checks beyond having 61 bytes).
Result<BatchHeader> ParseBatchHeader(std::string_view bytes);

// Full validation of one batch received from a client or read back from disk (kafka.md §2.6
// step 3): exact size, magic 2, CRC-32C, recordCount == lastOffsetDelta + 1 > 0, control bit
// clear (when `allow_control` is false). `bytes` must be exactly one batch.
Result<BatchHeader> ValidateBatch(std::string_view bytes, bool allow_control = false);

// Splits concatenated batches: returns the size of the first complete batch in `bytes`, or 0 if
// `bytes` holds less than a whole batch (a truncated trailing batch, as fetch may return).
size_t FirstBatchSize(std::string_view bytes);

// A decoded record: views into the batch bytes (or into the decompression buffer of the
// RecordReader that produced it).
struct RecordView {
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  int32_t header_count = 0;
  std::string_view headers_raw;  // the encoded headers, parse with ParseHeaders

  Status ParseHeaders(std::vector<Header>& out) const;
};

// Iterates the records of concatenated batches (e.g. the bytes of a Read), zero-copy for
// uncompressed batches; compressed batches (gzip/snappy/lz4/zstd) are decompressed into
// buffers owned by the reader, so views stay valid until the reader is destroyed or Reset.
// A truncated trailing batch is ignored (kafka.md §2.7).
class RecordReader {
 public:
  // Records with offset < min_offset are skipped (a fetch returns whole batches).
  explicit RecordReader(std::string_view batches, int64_t min_offset = 0, bool verify_crc = false);
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  void Reset(std::string_view batches, int64_t min_offset = 0);

  // Returns true and fills `rec` with the next record; false at the end or on error (check
  // status()).
  bool Next(RecordView& rec);
  const Status& status() const { return status_; }
  // Header of the batch the last record came from.
  const BatchHeader& batch() const { return batch_; }

 private:
  bool LoadNextBatch();

  std::string_view rest_;   // batches not yet opened
  std::string_view recs_;   // records of the current batch not yet decoded
  int32_t remaining_ = 0;   // records left in the current batch
  int64_t min_offset_ = 0;
  bool verify_crc_ = false;
  BatchHeader batch_;
  Status status_;
  std::vector<std::unique_ptr<std::string>> buffers_;  // decompressed payloads (stable addresses)
  size_t buffers_used_ = 0;
};

// Convenience: decodes all records with offset >= min_offset into `out` (appended). The views
// point into `batches` or into `reader`'s buffers.
Status DecodeRecords(RecordReader& reader, std::vector<RecordView>& out);

}  // namespace pinpipe::log
