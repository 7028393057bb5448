#include "log/record_batch.h"

#include <cstring>

#include "common/crc32c.h"
#include "common/varint.h"
#include "log/compression.h"

namespace pinpipe::log {

int64_t ReadBigEndian64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return static_cast<int64_t>(__builtin_bswap64(v));
}
int32_t ReadBigEndian32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return static_cast<int32_t>(__builtin_bswap32(v));
}
int16_t ReadBigEndian16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return static_cast<int16_t>(__builtin_bswap16(v));
}
void WriteBigEndian64(char* p, int64_t v) {
  uint64_t b = __builtin_bswap64(static_cast<uint64_t>(v));
  std::memcpy(p, &b, 8);
}
void WriteBigEndian32(char* p, int32_t v) {
  uint32_t b = __builtin_bswap32(static_cast<uint32_t>(v));
  std::memcpy(p, &b, 4);
}
static void WriteBigEndian16(char* p, int16_t v) {
  uint16_t b = __builtin_bswap16(static_cast<uint16_t>(v));
  std::memcpy(p, &b, 2);
}

namespace {

// Size of a record's body (everything after its length varint), DefaultRecord.java layout.
size_t RecordBodySize(const Record& r, int64_t ts_delta, int32_t offset_delta) {
  size_t n = 1;  // attributes
  n += VarlongSize(ts_delta);
  n += VarintSize(offset_delta);
  n += r.key ? VarintSize(static_cast<int32_t>(r.key->size())) + r.key->size() : 1;
  n += r.value ? VarintSize(static_cast<int32_t>(r.value->size())) + r.value->size() : 1;
  n += VarintSize(static_cast<int32_t>(r.headers.size()));
  for (const Header& h : r.headers) {
    n += VarintSize(static_cast<int32_t>(h.key.size())) + h.key.size();
    n += h.value ? VarintSize(static_cast<int32_t>(h.value->size())) + h.value->size() : 1;
  }
  return n;
}

char* PutBytes(char* p, const std::optional<std::string_view>& b) {
  if (!b) return PutVarint(p, -1);
  p = PutVarint(p, static_cast<int32_t>(b->size()));
  if (!b->empty()) std::memcpy(p, b->data(), b->size());
  return p + b->size();
}

}  // namespace

size_t EncodedBatchSize(std::span<const Record> records) {
  // Timestamps are unknown here; reserve for the worst case of their deltas (10 bytes).
  size_t n = kBatchHeaderSize;
  for (size_t i = 0; i < records.size(); ++i) {
    size_t body = RecordBodySize(records[i], 0, static_cast<int32_t>(i)) + kMaxVarint64Bytes;
    n += VarintSize(static_cast<int32_t>(body)) + body;
  }
  return n;
}

void EncodeBatch(const BatchOptions& opts, std::span<const Record> records, int64_t now_ms,
                 std::string& out) {
  int64_t base_ts = INT64_MAX, max_ts = INT64_MIN;
  for (const Record& r : records) {
    int64_t ts = r.timestamp_ms < 0 ? now_ms : r.timestamp_ms;
    base_ts = std::min(base_ts, ts);
    max_ts = std::max(max_ts, ts);
  }
  // Exact size first, so the buffer grows at most once and we write through a raw pointer.
  size_t total = kBatchHeaderSize;
  for (size_t i = 0; i < records.size(); ++i) {
    int64_t ts = records[i].timestamp_ms < 0 ? now_ms : records[i].timestamp_ms;
    size_t body = RecordBodySize(records[i], ts - base_ts, static_cast<int32_t>(i));
    total += VarintSize(static_cast<int32_t>(body)) + body;
  }
  size_t start = out.size();
  out.resize(start + total);
  char* b = out.data() + start;
  WriteBigEndian64(b + kBaseOffsetPos, opts.base_offset);
  WriteBigEndian32(b + kBatchLengthPos, static_cast<int32_t>(total - kBatchLogOverhead));
  WriteBigEndian32(b + kLeaderEpochPos, opts.partition_leader_epoch);
  b[kMagicPos] = kMagicV2;
  WriteBigEndian16(b + kAttributesPos, 0);
  WriteBigEndian32(b + kLastOffsetDeltaPos, static_cast<int32_t>(records.size() - 1));
  WriteBigEndian64(b + kBaseTimestampPos, base_ts);
  WriteBigEndian64(b + kMaxTimestampPos, max_ts);
  WriteBigEndian64(b + kProducerIdPos, opts.producer_id);
  WriteBigEndian16(b + kProducerEpochPos, opts.producer_epoch);
  WriteBigEndian32(b + kBaseSequencePos, opts.base_sequence);
  WriteBigEndian32(b + kRecordCountPos, static_cast<int32_t>(records.size()));
  char* p = b + kBatchHeaderSize;
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    int64_t ts_delta = (r.timestamp_ms < 0 ? now_ms : r.timestamp_ms) - base_ts;
    int32_t off_delta = static_cast<int32_t>(i);
    p = PutVarint(p, static_cast<int32_t>(RecordBodySize(r, ts_delta, off_delta)));
    *p++ = 0;  // record attributes (unused)
    p = PutVarlong(p, ts_delta);
    p = PutVarint(p, off_delta);
    p = PutBytes(p, r.key);
    p = PutBytes(p, r.value);
    p = PutVarint(p, static_cast<int32_t>(r.headers.size()));
    for (const Header& h : r.headers) {
      p = PutBytes(p, h.key);
      p = PutBytes(p, h.value);
    }
  }
  uint32_t crc = Crc32c(b + kAttributesPos, total - kAttributesPos);
  WriteBigEndian32(b + kCrcPos, static_cast<int32_t>(crc));
}

Result<BatchHeader> ParseBatchHeader(std::string_view bytes) {
  if (bytes.size() < kBatchHeaderSize) {
    return MakeError(ErrorCode::kInvalidArgument, "record batch shorter than its 61-byte header");
  }
  const char* b = bytes.data();
  BatchHeader h;
  h.base_offset = ReadBigEndian64(b + kBaseOffsetPos);
  h.batch_length = ReadBigEndian32(b + kBatchLengthPos);
  h.partition_leader_epoch = ReadBigEndian32(b + kLeaderEpochPos);
  h.magic = static_cast<int8_t>(b[kMagicPos]);
  h.crc = static_cast<uint32_t>(ReadBigEndian32(b + kCrcPos));
  h.attributes = static_cast<uint16_t>(ReadBigEndian16(b + kAttributesPos));
  h.last_offset_delta = ReadBigEndian32(b + kLastOffsetDeltaPos);
  h.base_timestamp = ReadBigEndian64(b + kBaseTimestampPos);
  h.max_timestamp = ReadBigEndian64(b + kMaxTimestampPos);
  h.producer_id = ReadBigEndian64(b + kProducerIdPos);
  h.producer_epoch = ReadBigEndian16(b + kProducerEpochPos);
  h.base_sequence = ReadBigEndian32(b + kBaseSequencePos);
  h.record_count = ReadBigEndian32(b + kRecordCountPos);
  return h;
}

Result<BatchHeader> ValidateBatch(std::string_view bytes, bool allow_control) {
  PINPIPE_ASSIGN_OR_RETURN(BatchHeader h, ParseBatchHeader(bytes));
  if (h.batch_length < static_cast<int32_t>(kBatchHeaderSize - kBatchLogOverhead) ||
      h.size() != bytes.size()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "record batch length " + std::to_string(h.batch_length) +
                         " does not match its " + std::to_string(bytes.size()) + " bytes");
  }
  if (h.magic != kMagicV2) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "unsupported record batch magic " + std::to_string(h.magic));
  }
  uint32_t crc = Crc32c(bytes.data() + kAttributesPos, bytes.size() - kAttributesPos);
  if (crc != h.crc) return MakeError(ErrorCode::kCorruption, "record batch CRC mismatch");
  if (h.record_count <= 0 || h.record_count != h.last_offset_delta + 1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "record batch count " + std::to_string(h.record_count) +
                         " does not match lastOffsetDelta " + std::to_string(h.last_offset_delta));
  }
  if (!allow_control && (h.attributes & kAttrControl)) {
    return MakeError(ErrorCode::kInvalidArgument, "control batches are not accepted");
  }
  if ((h.attributes & kAttrCompressionMask) > 4) {
    return MakeError(ErrorCode::kInvalidArgument, "unknown compression codec");
  }
  return h;
}

size_t FirstBatchSize(std::string_view bytes) {
  if (bytes.size() < kBatchLogOverhead) return 0;
  int32_t len = ReadBigEndian32(bytes.data() + kBatchLengthPos);
  if (len < static_cast<int32_t>(kBatchHeaderSize - kBatchLogOverhead)) return 0;
  size_t size = static_cast<size_t>(len) + kBatchLogOverhead;
  return size <= bytes.size() ? size : 0;
}

// ---------------------------------------------------------------- decoding

namespace {

bool GetNullableBytes(const char** p, const char* end, std::optional<std::string_view>* out) {
  int32_t len;
  if (!GetVarint(p, end, &len)) return false;
  if (len < 0) {
    if (len != -1) return false;
    *out = std::nullopt;
    return true;
  }
  if (end - *p < len) return false;
  *out = std::string_view(*p, static_cast<size_t>(len));
  *p += len;
  return true;
}

}  // namespace

Status RecordView::ParseHeaders(std::vector<Header>& out) const {
  const char* p = headers_raw.data();
  const char* end = p + headers_raw.size();
  for (int32_t i = 0; i < header_count; ++i) {
    std::optional<std::string_view> key, value;
    if (!GetNullableBytes(&p, end, &key) || !key || !GetNullableBytes(&p, end, &value)) {
      return MakeError(ErrorCode::kCorruption, "malformed record header");
    }
    out.push_back(Header{*key, value});
  }
  return OkStatus();
}

RecordReader::RecordReader(std::string_view batches, int64_t min_offset, bool verify_crc)
    : rest_(batches), min_offset_(min_offset), verify_crc_(verify_crc) {}

void RecordReader::Reset(std::string_view batches, int64_t min_offset) {
  rest_ = batches;
  recs_ = {};
  remaining_ = 0;
  min_offset_ = min_offset;
  status_ = OkStatus();
  buffers_used_ = 0;
}

bool RecordReader::LoadNextBatch() {
  while (true) {
    size_t size = FirstBatchSize(rest_);
    if (size == 0) return false;  // end, or a truncated trailing batch
    std::string_view bytes = rest_.substr(0, size);
    rest_.remove_prefix(size);
    auto h = verify_crc_ ? ValidateBatch(bytes, true) : ParseBatchHeader(bytes);
    if (!h) {
      status_ = std::unexpected(h.error());
      return false;
    }
    batch_ = *h;
    if (batch_.magic != kMagicV2) {
      status_ = MakeError(ErrorCode::kUnsupported, "record batch magic is not 2");
      return false;
    }
    if (batch_.next_offset() <= min_offset_) continue;  // wholly below the fetch offset
    if (batch_.attributes & kAttrControl) continue;    // transaction markers hold no data
    std::string_view payload = bytes.substr(kBatchHeaderSize);
    if (batch_.compression() != Compression::kNone) {
      if (buffers_used_ == buffers_.size()) buffers_.push_back(std::make_unique<std::string>());
      std::string& buf = *buffers_[buffers_used_++];
      buf.clear();
      auto st = Decompress(batch_.compression(), payload, buf);
      if (!st) {
        status_ = st;
        return false;
      }
      payload = buf;
    }
    recs_ = payload;
    remaining_ = batch_.record_count;
    if (remaining_ > 0) return true;
  }
}

bool RecordReader::Next(RecordView& rec) {
  while (true) {
    if (remaining_ == 0 && !LoadNextBatch()) return false;
    const char* p = recs_.data();
    const char* end = p + recs_.size();
    int32_t len;
    if (!GetVarint(&p, end, &len) || len < 0 || end - p < len) {
      status_ = MakeError(ErrorCode::kCorruption, "malformed record length");
      return false;
    }
    const char* rend = p + len;
    recs_ = std::string_view(rend, static_cast<size_t>(end - rend));
    --remaining_;
    int64_t ts_delta;
    int32_t off_delta, header_count;
    if (p >= rend || (++p, !GetVarlong(&p, rend, &ts_delta)) || !GetVarint(&p, rend, &off_delta) ||
        !GetNullableBytes(&p, rend, &rec.key) || !GetNullableBytes(&p, rend, &rec.value) ||
        !GetVarint(&p, rend, &header_count) || header_count < 0) {
      status_ = MakeError(ErrorCode::kCorruption, "malformed record");
      return false;
    }
    // Client batches may hold any base and delta: add with wrap-around, as Java's long does,
    // instead of overflowing a signed int (undefined behaviour, found by the fuzzer).
    auto wrapping_add = [](int64_t a, int64_t b) {
      return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
    };
    rec.offset = wrapping_add(batch_.base_offset, off_delta);
    rec.timestamp_ms = (batch_.attributes & kAttrLogAppendTime)
                           ? batch_.max_timestamp
                           : wrapping_add(batch_.base_timestamp, ts_delta);
    rec.header_count = header_count;
    rec.headers_raw = std::string_view(p, static_cast<size_t>(rend - p));
    if (rec.offset < min_offset_) continue;
    return true;
  }
}

Status DecodeRecords(RecordReader& reader, std::vector<RecordView>& out) {
  RecordView rec;
  while (reader.Next(rec)) out.push_back(rec);
  return reader.status();
}

}  // namespace pinpipe::log
