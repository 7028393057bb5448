#include "log/record_batch.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/crc32c.h"
#include "log/compression.h"

namespace pinpipe::log {
namespace {

std::string Hex(std::string_view hex) {
  std::string out;
  std::string digits;
  for (char c : hex) {
    if (c != ' ' && c != '\n') digits += c;
  }
  for (size_t i = 0; i + 1 < digits.size(); i += 2) {
    out += static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16));
  }
  return out;
}

// The hand-built 2-record batch of kafka.md §2.3, derived from the layout.
const std::string kGolden = Hex(
    "0000000000000000 0000004e 00000000 02 8065e217 0000 00000001 0000018bcfe56800 "
    "0000018bcfe56805 ffffffffffffffff ffff ffffffff 00000002 "
    "1e 00 00 00 01 0a 68656c6c6f 02 02 68 02 76 "
    "18 00 0a 02 02 6b 0a 776f726c64 00");
constexpr int64_t kTs = 0x18bcfe56800;

TEST(RecordBatch, EncodesGoldenBytes) {
  Header h{"h", std::string_view("v")};
  Record recs[2];
  recs[0].value = "hello";
  recs[0].headers = std::span<const Header>(&h, 1);
  recs[0].timestamp_ms = kTs;
  recs[1].key = "k";
  recs[1].value = "world";
  recs[1].timestamp_ms = kTs + 5;
  std::string out = "prefix";
  EncodeBatch(BatchOptions{}, recs, 0, out);
  EXPECT_EQ(out.substr(6), kGolden);
  EXPECT_LE(out.size() - 6, EncodedBatchSize(recs));
}

TEST(RecordBatch, GoldenValidatesAndDecodesWithAnyBaseOffset) {
  std::string b = kGolden;
  WriteBigEndian64(b.data(), 42);  // outside the CRC
  auto h = ValidateBatch(b);
  ASSERT_TRUE(h) << h.error().ToString();
  EXPECT_EQ(h->base_offset, 42);
  EXPECT_EQ(h->record_count, 2);
  EXPECT_EQ(h->crc, 0x8065e217u);
  EXPECT_EQ(h->producer_id, -1);
  RecordReader reader(b, 0, /*verify_crc=*/true);
  std::vector<RecordView> recs;
  ASSERT_TRUE(DecodeRecords(reader, recs));
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].offset, 42);
  EXPECT_FALSE(recs[0].key.has_value());
  EXPECT_EQ(*recs[0].value, "hello");
  EXPECT_EQ(recs[0].timestamp_ms, kTs);
  std::vector<Header> hs;
  ASSERT_TRUE(recs[0].ParseHeaders(hs));
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_EQ(hs[0].key, "h");
  EXPECT_EQ(*hs[0].value, "v");
  EXPECT_EQ(recs[1].offset, 43);
  EXPECT_EQ(*recs[1].key, "k");
  EXPECT_EQ(*recs[1].value, "world");
  EXPECT_EQ(recs[1].timestamp_ms, kTs + 5);
  EXPECT_EQ(recs[1].header_count, 0);
  // Values point into the batch itself (zero-copy).
  EXPECT_GE(recs[1].value->data(), b.data());
  EXPECT_LT(recs[1].value->data(), b.data() + b.size());
}

TEST(RecordBatch, ValidationCatchesCorruption) {
  std::string b = kGolden;
  b[70] ^= 1;
  EXPECT_EQ(ValidateBatch(b).error().code(), ErrorCode::kCorruption);
  b = kGolden;
  b[kMagicPos] = 1;
  EXPECT_EQ(ValidateBatch(b).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(ValidateBatch(std::string_view(kGolden).substr(0, 60)));
  EXPECT_FALSE(ValidateBatch(kGolden + "x"));
  EXPECT_EQ(FirstBatchSize(kGolden + "xyz"), kGolden.size());
  EXPECT_EQ(FirstBatchSize(std::string_view(kGolden).substr(0, 80)), 0u);
}

TEST(RecordBatch, RoundTripManyRecordsAndSkipsBelowMinOffset) {
  std::vector<std::string> values;
  for (int i = 0; i < 300; ++i) values.push_back(std::string(static_cast<size_t>(i), 'a' + i % 26));
  std::vector<Record> recs(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    recs[i].value = values[i];
    if (i % 3 == 0) recs[i].key = "key" + std::to_string(i % 10);
    if (i % 7 == 0) recs[i].value = std::nullopt;
  }
  // keys above point to temporaries: rebuild with stable storage
  std::vector<std::string> keys(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    keys[i] = "key" + std::to_string(i);
    recs[i].key = (i % 3 == 0) ? std::optional<std::string_view>(keys[i]) : std::nullopt;
  }
  std::string out;
  BatchOptions opts;
  opts.base_offset = 1000;
  EncodeBatch(opts, recs, 1700000000000, out);
  ASSERT_TRUE(ValidateBatch(out));
  RecordReader reader(out, 1100);
  RecordView rec;
  int64_t expect = 1100;
  while (reader.Next(rec)) {
    size_t i = static_cast<size_t>(rec.offset - 1000);
    EXPECT_EQ(rec.offset, expect++);
    EXPECT_EQ(rec.key.has_value(), i % 3 == 0);
    if (i % 7 == 0) {
      EXPECT_FALSE(rec.value.has_value());
    } else {
      EXPECT_EQ(*rec.value, values[i]);
    }
    EXPECT_EQ(rec.timestamp_ms, 1700000000000);
  }
  EXPECT_TRUE(reader.status());
  EXPECT_EQ(expect, 1300);
}

// A client may send any base timestamp and deltas; decoding adds them with wrap-around (as
// Java's long does) instead of overflowing, which UBSan reports in the sanitizer build.
TEST(RecordBatch, HostileBaseTimestampWrapsInsteadOfOverflowing) {
  Record recs[2];
  recs[0].value = "a";
  recs[0].timestamp_ms = 1000;
  recs[1].value = "b";
  recs[1].timestamp_ms = 2000;
  std::string out;
  EncodeBatch(BatchOptions{}, recs, 0, out);
  WriteBigEndian64(out.data() + kBaseTimestampPos, INT64_MAX);
  RecordReader reader(out, 0);
  RecordView rec;
  ASSERT_TRUE(reader.Next(rec));
  EXPECT_EQ(rec.timestamp_ms, INT64_MAX);
  ASSERT_TRUE(reader.Next(rec));
  EXPECT_EQ(rec.timestamp_ms, INT64_MIN + 999);
}

// Builds a compressed batch the way a client does: records blob compressed after the header.
std::string CompressBatch(const std::string& plain, Compression codec) {
  std::string blob;
  EXPECT_TRUE(Compress(codec, std::string_view(plain).substr(kBatchHeaderSize), blob));
  std::string b = plain.substr(0, kBatchHeaderSize) + blob;
  WriteBigEndian32(b.data() + kBatchLengthPos, static_cast<int32_t>(b.size() - 12));
  b[kAttributesPos + 1] = static_cast<char>(codec);
  uint32_t crc = Crc32c(b.data() + kAttributesPos, b.size() - kAttributesPos);
  WriteBigEndian32(b.data() + kCrcPos, static_cast<int32_t>(crc));
  return b;
}

class CompressedBatch : public ::testing::TestWithParam<Compression> {};

TEST_P(CompressedBatch, DecodesToPlainRecords) {
  std::string plain;
  std::vector<std::string> values;
  for (int i = 0; i < 50; ++i) values.push_back("value-" + std::to_string(i) + std::string(100, 'x'));
  std::vector<Record> recs(values.size());
  for (size_t i = 0; i < values.size(); ++i) recs[i].value = values[i];
  EncodeBatch(BatchOptions{}, recs, 123, plain);
  std::string b = CompressBatch(plain, GetParam());
  ASSERT_TRUE(ValidateBatch(b));
  EXPECT_LT(b.size(), plain.size());
  std::string two = b + b;  // two batches; the second starts at offset 0 again, fine for decoding
  RecordReader reader(two, 0, true);
  std::vector<RecordView> out;
  ASSERT_TRUE(DecodeRecords(reader, out)) << reader.status().error().ToString();
  ASSERT_EQ(out.size(), 100u);
  for (size_t i = 0; i < 100; ++i) EXPECT_EQ(*out[i].value, values[i % 50]);
}

INSTANTIATE_TEST_SUITE_P(Codecs, CompressedBatch,
                         ::testing::Values(Compression::kGzip, Compression::kSnappy,
                                           Compression::kLz4, Compression::kZstd));

TEST(Compression, RawSnappyAndGarbage) {
  std::string out;
  // Not xerial-framed: treated as a raw snappy block (librdkafka).
  std::string framed;
  ASSERT_TRUE(Compress(Compression::kSnappy, "hello hello hello", framed));
  std::string raw = framed.substr(20);  // strip xerial header and the block length
  ASSERT_TRUE(Decompress(Compression::kSnappy, raw, out));
  EXPECT_EQ(out, "hello hello hello");
  for (auto c : {Compression::kGzip, Compression::kSnappy, Compression::kLz4, Compression::kZstd}) {
    std::string o;
    EXPECT_FALSE(Decompress(c, "this is not compressed data at all", o)) << static_cast<int>(c);
  }
  // Output limit.
  std::string big(1 << 20, 'z'), z, o;
  ASSERT_TRUE(Compress(Compression::kZstd, big, z));
  EXPECT_FALSE(Decompress(Compression::kZstd, z, o, 1000));
}

}  // namespace
}  // namespace pinpipe::log
