// The read-side decoders from hand-built bytes (the examples of apache/parquet-format
// Encodings.md where it has them): DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
// DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT, RLE booleans, INT96/FLOAT/FIXED_LEN_BYTE_ARRAY PLAIN,
// the LZ4_RAW / Hadoop LZ4 / BROTLI codecs, value formatting (decimals, timestamps of every
// unit, UUID, FLOAT16) and Dremel assembly of nested lists, maps and structs.
#include <brotli/encode.h>
#include <gtest/gtest.h>
#include <lz4.h>

#include <cstring>
#include <limits>

#include "lake/parquet_compression.h"
#include "lake/parquet_delta_encoding.h"
#include "lake/parquet_encoding.h"
#include "lake/parquet_format.h"
#include "lake/parquet_reader.h"
#include "lake/parquet_row_render.h"
#include "lake/parquet_value_format.h"

namespace pinpipe::lake {
namespace {

std::vector<uint8_t> Bytes(std::initializer_list<int> v) { return std::vector<uint8_t>(v.begin(), v.end()); }

LeafData Typed(LeafType t, int32_t fixed_len = 0) {
  LeafData d;
  d.type = t;
  d.fixed_len = fixed_len;
  return d;
}

std::vector<std::string> Strings(const LeafData& d) {
  std::vector<std::string> out;
  for (size_t i = 0; i < d.str.size(); ++i) out.emplace_back(d.str[i]);
  return out;
}

TEST(DeltaBinaryPacked, SpecExampleOneConstantDelta) {
  // Encodings.md example 1: 1, 2, 3, 4, 5 — min delta 1, every miniblock width 0.
  auto b = Bytes({0x80, 0x01, 0x04, 0x05, 0x02, /*block*/ 0x02, 0, 0, 0, 0});
  LeafData d = Typed(LeafType::kInt32);
  ASSERT_TRUE(DecodeValues(format::kDeltaBinaryPacked, b.data(), b.size(), 5, &d));
  EXPECT_EQ(d.i32, (std::vector<int32_t>{1, 2, 3, 4, 5}));
}

TEST(DeltaBinaryPacked, SpecExampleTwoNegativeDeltas) {
  // Encodings.md example 2: 7, 5, 3, 1, 2, 3, 4, 5 — deltas -2 -2 -2 1 1 1 1, min delta -2,
  // relative 0 0 0 3 3 3 3 at 2 bits in the first miniblock (32 values = 8 bytes).
  auto b = Bytes({0x80, 0x01, 0x04, 0x08, 0x0e, /*min delta -2*/ 0x03, 2, 0, 0, 0,
                  0xc0, 0xff, 0, 0, 0, 0, 0, 0});
  LeafData d = Typed(LeafType::kInt64);
  ASSERT_TRUE(DecodeValues(format::kDeltaBinaryPacked, b.data(), b.size(), 8, &d));
  EXPECT_EQ(d.i64, (std::vector<int64_t>{7, 5, 3, 1, 2, 3, 4, 5}));
}

TEST(DeltaBinaryPacked, WrapsAroundLikeTheSpecSays) {
  // INT64_MIN then INT64_MAX: delta 2^64-1 (= -1 wrapped) as min delta, width 0.
  std::vector<uint8_t> b = {0x80, 0x01, 0x04, 0x02};
  // first value: zigzag(INT64_MIN) = 2^64-1 → ten-byte ULEB128
  for (int i = 0; i < 9; ++i) b.push_back(0xff);
  b.push_back(0x01);
  b.push_back(0x01);  // min delta zigzag(-1) = 1
  for (int i = 0; i < 4; ++i) b.push_back(0);
  LeafData d = Typed(LeafType::kInt64);
  ASSERT_TRUE(DecodeValues(format::kDeltaBinaryPacked, b.data(), b.size(), 2, &d));
  EXPECT_EQ(d.i64, (std::vector<int64_t>{std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}));
}

TEST(DeltaBinaryPacked, TruncatedAndHostileInputFails) {
  auto b = Bytes({0x80, 0x01, 0x04, 0x08, 0x0e, 0x03, 2, 0, 0, 0, 0xc0});
  LeafData d = Typed(LeafType::kInt64);
  EXPECT_FALSE(DecodeValues(format::kDeltaBinaryPacked, b.data(), b.size(), 8, &d));
  auto bad_block = Bytes({0x7f, 0x04, 0x08, 0x0e});  // block size not a multiple of 128
  EXPECT_FALSE(DecodeValues(format::kDeltaBinaryPacked, bad_block.data(), bad_block.size(), 8, &d));
  auto wide = Bytes({0x80, 0x01, 0x04, 0x02, 0x00, 0x00, 65, 0, 0, 0});  // width 65
  EXPECT_FALSE(DecodeValues(format::kDeltaBinaryPacked, wide.data(), wide.size(), 2, &d));
}

TEST(DeltaLengthByteArray, SpecExample) {
  // Encodings.md: "Hello", "World", "Foobar", "ABCDEF" = lengths 5 5 6 6 then the bytes.
  auto b = Bytes({0x80, 0x01, 0x04, 0x04, 0x0a, /*min 0*/ 0x00, 1, 0, 0, 0, 0x02, 0, 0, 0});
  std::string tail = "HelloWorldFoobarABCDEF";
  b.insert(b.end(), tail.begin(), tail.end());
  LeafData d = Typed(LeafType::kString);
  ASSERT_TRUE(DecodeValues(format::kDeltaLengthByteArray, b.data(), b.size(), 4, &d));
  EXPECT_EQ(Strings(d), (std::vector<std::string>{"Hello", "World", "Foobar", "ABCDEF"}));
  // A length past the end of the page is corruption.
  LeafData e = Typed(LeafType::kString);
  EXPECT_FALSE(DecodeValues(format::kDeltaLengthByteArray, b.data(), b.size() - 1, 4, &e));
}

TEST(DeltaByteArray, SpecExample) {
  // Encodings.md "Delta Strings": axis, axle, babble, babyhood = prefixes 0 2 0 3, suffixes
  // axis le babble yhood.
  auto b = Bytes({0x80, 0x01, 0x04, 0x04, 0x00, /*min -2*/ 0x03, 3, 0, 0, 0,
                  0x44, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                  0x80, 0x01, 0x04, 0x04, 0x08, 0x03, 3, 0, 0, 0,
                  0x70, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  std::string tail = "axislebabbleyhood";
  b.insert(b.end(), tail.begin(), tail.end());
  LeafData d = Typed(LeafType::kBinary);
  ASSERT_TRUE(DecodeValues(format::kDeltaByteArray, b.data(), b.size(), 4, &d));
  EXPECT_EQ(Strings(d), (std::vector<std::string>{"axis", "axle", "babble", "babyhood"}));
  // FIXED_LEN_BYTE_ARRAY of width 4 rejects the 6-byte value.
  LeafData f = Typed(LeafType::kFixed, 4);
  EXPECT_FALSE(DecodeValues(format::kDeltaByteArray, b.data(), b.size(), 4, &f));
}

TEST(ByteStreamSplit, FloatsDoublesAndFixed) {
  float fv[] = {1.5f, -2.25f, 3e38f};
  std::vector<uint8_t> b(12);
  for (int i = 0; i < 3; ++i) {
    uint8_t raw[4];
    std::memcpy(raw, &fv[i], 4);
    for (int j = 0; j < 4; ++j) b[j * 3 + i] = raw[j];
  }
  LeafData d = Typed(LeafType::kFloat);
  ASSERT_TRUE(DecodeValues(format::kByteStreamSplit, b.data(), b.size(), 3, &d));
  EXPECT_EQ(d.f32, (std::vector<float>{1.5f, -2.25f, 3e38f}));

  double dv[] = {0.1, -1e300};
  std::vector<uint8_t> c(16);
  for (int i = 0; i < 2; ++i) {
    uint8_t raw[8];
    std::memcpy(raw, &dv[i], 8);
    for (int j = 0; j < 8; ++j) c[j * 2 + i] = raw[j];
  }
  LeafData e = Typed(LeafType::kDouble);
  ASSERT_TRUE(DecodeValues(format::kByteStreamSplit, c.data(), c.size(), 2, &e));
  EXPECT_EQ(e.f64, (std::vector<double>{0.1, -1e300}));

  auto fixed = Bytes({'a', 'x', 'b', 'y'});  // values "ab" and "xy" of width 2
  LeafData f = Typed(LeafType::kFixed, 2);
  ASSERT_TRUE(DecodeValues(format::kByteStreamSplit, fixed.data(), fixed.size(), 2, &f));
  EXPECT_EQ(Strings(f), (std::vector<std::string>{"ab", "xy"}));
  EXPECT_FALSE(DecodeValues(format::kByteStreamSplit, fixed.data(), 3, 2, &f));
}

TEST(RleBooleans, LengthPrefixedHybrid) {
  // 4-byte length, then a run of 10 x true and a bit-packed group 1,0,1,1,0,0,0,1.
  auto b = Bytes({4, 0, 0, 0, 0x14, 0x01, 0x03, 0x8d, 0, 0});
  LeafData d = Typed(LeafType::kBoolean);
  ASSERT_TRUE(DecodeValues(format::kRle, b.data(), 8, 18, &d));
  std::vector<uint8_t> want(10, 1);
  for (int v : {1, 0, 1, 1, 0, 0, 0, 1}) want.push_back(static_cast<uint8_t>(v));
  EXPECT_EQ(d.b, want);
  LeafData i = Typed(LeafType::kInt32);
  EXPECT_EQ(DecodeValues(format::kRle, b.data(), 8, 18, &i).error().code(), ErrorCode::kUnsupported);
}

TEST(Plain, FloatInt96AndFixed) {
  float f[] = {0.1f, -0.0f};
  LeafData d = Typed(LeafType::kFloat);
  size_t used = 0;
  ASSERT_TRUE(DecodePlain(reinterpret_cast<const uint8_t*>(f), sizeof f, 2, &d, &used));
  EXPECT_EQ(used, 8u);
  EXPECT_EQ(d.f32[0], 0.1f);

  // INT96: nanos of day (LE int64) + Julian day (LE int32); 2440588 = 1970-01-01.
  uint8_t raw[24] = {};
  int64_t nanos = 1500;  // 1.5 µs: floored to 1 µs
  int32_t day = 2440588;
  std::memcpy(raw, &nanos, 8);
  std::memcpy(raw + 8, &day, 4);
  nanos = 86399999999999;
  day = 2440587;  // 1969-12-31T23:59:59.999999999
  std::memcpy(raw + 12, &nanos, 8);
  std::memcpy(raw + 20, &day, 4);
  LeafData t = Typed(LeafType::kInt96);
  ASSERT_TRUE(DecodePlain(raw, sizeof raw, 2, &t, &used));
  EXPECT_EQ(t.i64, (std::vector<int64_t>{1, -1}));
  // A Julian day far outside the µs range saturates instead of overflowing (found by
  // fuzz/lake_decoders_fuzz).
  day = 165334899 + 2440588;
  nanos = 0;
  std::memcpy(raw, &nanos, 8);
  std::memcpy(raw + 8, &day, 4);
  day = -2000000000;
  std::memcpy(raw + 20, &day, 4);
  LeafData far = Typed(LeafType::kInt96);
  ASSERT_TRUE(DecodePlain(raw, sizeof raw, 2, &far, &used));
  EXPECT_EQ(far.i64, (std::vector<int64_t>{std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}));

  auto fixed = Bytes({1, 2, 3, 4, 5, 6});
  LeafData x = Typed(LeafType::kFixed, 3);
  ASSERT_TRUE(DecodePlain(fixed.data(), fixed.size(), 2, &x, &used));
  EXPECT_EQ(x.str.size(), 2u);
  EXPECT_EQ(x.str[1], std::string("\x04\x05\x06"));
  EXPECT_FALSE(DecodePlain(fixed.data(), 5, 2, &x, &used));
}

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(Codecs, Lz4RawHadoopLz4AndBrotli) {
  std::string plain = Repeat("pinpipe reads every codec ", 200);
  std::string block(static_cast<size_t>(LZ4_compressBound(static_cast<int>(plain.size()))), '\0');
  int n = LZ4_compress_default(plain.data(), block.data(), static_cast<int>(plain.size()), static_cast<int>(block.size()));
  ASSERT_GT(n, 0);
  block.resize(static_cast<size_t>(n));
  std::string out;
  auto* p = reinterpret_cast<const uint8_t*>(block.data());
  ASSERT_TRUE(Decompress(format::Codec::kLz4Raw, p, block.size(), plain.size(), &out));
  EXPECT_EQ(out, plain);
  // Legacy LZ4 as a raw block (arrow's old writers) and in Hadoop framing (parquet-java).
  ASSERT_TRUE(Decompress(format::Codec::kLz4, p, block.size(), plain.size(), &out));
  EXPECT_EQ(out, plain);
  auto be32 = [](uint32_t v) {
    std::string s(4, '\0');
    for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (24 - 8 * i));
    return s;
  };
  std::string framed = be32(static_cast<uint32_t>(plain.size())) + be32(static_cast<uint32_t>(block.size())) + block;
  ASSERT_TRUE(Decompress(format::Codec::kLz4, reinterpret_cast<const uint8_t*>(framed.data()), framed.size(),
                         plain.size(), &out));
  EXPECT_EQ(out, plain);
  EXPECT_FALSE(Decompress(format::Codec::kLz4Raw, p, block.size() - 3, plain.size(), &out));

  std::string br(BrotliEncoderMaxCompressedSize(plain.size()), '\0');
  size_t br_len = br.size();
  ASSERT_TRUE(BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, plain.size(),
                                    reinterpret_cast<const uint8_t*>(plain.data()), &br_len,
                                    reinterpret_cast<uint8_t*>(br.data())));
  br.resize(br_len);
  ASSERT_TRUE(Decompress(format::Codec::kBrotli, reinterpret_cast<const uint8_t*>(br.data()), br.size(), plain.size(), &out));
  EXPECT_EQ(out, plain);
  br[br.size() / 2] ^= 0x55;
  EXPECT_FALSE(Decompress(format::Codec::kBrotli, reinterpret_cast<const uint8_t*>(br.data()), br.size(), plain.size(), &out));
}

std::string Show(const ValueFormat& f, const LeafData& d, size_t i, bool json = true) {
  std::string s;
  AppendValue(f, d, i, json, &s);
  return s;
}

TEST(ValueFormat, DecimalsOnEveryPhysicalType) {
  ValueFormat f;
  f.kind = ValueFormat::kDecimal;
  f.scale = 2;
  LeafData i32 = Typed(LeafType::kInt32);
  i32.i32 = {12345, -5, 0};
  EXPECT_EQ(Show(f, i32, 0), "123.45");
  EXPECT_EQ(Show(f, i32, 1), "-0.05");
  EXPECT_EQ(Show(f, i32, 2), "0.00");
  LeafData fixed = Typed(LeafType::kFixed, 2);
  fixed.str.push_back(std::string("\xff\x85", 2));  // -123
  EXPECT_EQ(Show(f, fixed, 0), "-1.23");
  // 38 digits on 16 bytes: 10^38 - 1 with scale 0.
  LeafData big = Typed(LeafType::kBinary);
  big.str.push_back(std::string("\x4b\x3b\x4c\xa8\x5a\x86\xc4\x7a\x09\x8a\x22\x3f\xff\xff\xff\xff", 16));
  f.scale = 0;
  EXPECT_EQ(Show(f, big, 0), "99999999999999999999999999999999999999");
  LeafData i64 = Typed(LeafType::kInt64);
  i64.i64 = {-1};
  f.scale = 18;
  EXPECT_EQ(Show(f, i64, 0), "-0.000000000000000001");
}

TEST(ValueFormat, TimesDatesTimestampsUuidFloat) {
  ValueFormat ts;
  ts.kind = ValueFormat::kTimestamp;
  LeafData d = Typed(LeafType::kInt64);
  d.i64 = {1, -1, 1700000000123};
  ts.unit = 2;
  EXPECT_EQ(Show(ts, d, 0), "\"1970-01-01T00:00:00.000001Z\"");
  EXPECT_EQ(Show(ts, d, 1, false), "1969-12-31T23:59:59.999999Z");
  ts.unit = 1;
  ts.utc = false;
  EXPECT_EQ(Show(ts, d, 2, false), "2023-11-14T22:13:20.123");  // digits of the unit
  ts.unit = 3;
  EXPECT_EQ(Show(ts, d, 2, false), "1970-01-01T00:28:20.000000123");
  // The ends of the int64 range (saturated INT96 values) format without overflow.
  d.i64 = {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  ts.unit = 2;
  EXPECT_EQ(Show(ts, d, 0, false), "-290308-12-21T19:59:05.224192");
  EXPECT_EQ(Show(ts, d, 1, false), "294247-01-10T04:00:54.775807");
  ValueFormat date;
  date.kind = ValueFormat::kDate;
  LeafData days = Typed(LeafType::kInt32);
  days.i32 = {0, -719162, 2932896};
  EXPECT_EQ(Show(date, days, 0), "\"1970-01-01\"");
  EXPECT_EQ(Show(date, days, 1, false), "0001-01-01");
  EXPECT_EQ(Show(date, days, 2, false), "9999-12-31");
  ValueFormat time;
  time.kind = ValueFormat::kTime;
  time.unit = 1;
  days.i32 = {45296789};
  EXPECT_EQ(Show(time, days, 0, false), "12:34:56.789");
  ValueFormat uuid;
  uuid.kind = ValueFormat::kUuid;
  LeafData u = Typed(LeafType::kFixed, 16);
  u.str.push_back(std::string("\x12\x3e\x45\x67\xe8\x9b\x12\xd3\xa4\x56\x42\x66\x14\x17\x40\x00", 16));
  EXPECT_EQ(Show(uuid, u, 0), "\"123e4567-e89b-12d3-a456-426614174000\"");
  ValueFormat fl;
  fl.kind = ValueFormat::kFloat;
  LeafData f = Typed(LeafType::kFloat);
  f.f32 = {0.1f, std::numeric_limits<float>::infinity()};
  EXPECT_EQ(Show(fl, f, 0), "0.1");
  EXPECT_EQ(Show(fl, f, 1), "\"Infinity\"");
  ValueFormat half;
  half.kind = ValueFormat::kFloat16;
  LeafData h = Typed(LeafType::kFixed, 2);
  h.str.push_back(std::string("\x00\x3e", 2));  // 1.5
  EXPECT_EQ(Show(half, h, 0), "1.5");
  ValueFormat bin;
  bin.kind = ValueFormat::kBinary;
  LeafData b = Typed(LeafType::kBinary);
  b.str.push_back("hi!");
  EXPECT_EQ(Show(bin, b, 0), "\"aGkh\"");
}

// Dremel assembly over hand-built levels.
TEST(RowAssembler, ListOfListsAtEveryNullPosition) {
  // optional group a (LIST) { repeated group list { optional group element (LIST) {
  //   repeated group list { optional int32 element } } } }: max def 5, max rep 2.
  Schema s({Field::List("a", Field::List("element", Field::Primitive("element", LeafType::kInt32)))});
  ASSERT_EQ(s.leaves()[0].max_def, 5);
  ASSERT_EQ(s.leaves()[0].max_rep, 2);
  LeafData d(s.leaves()[0]);
  // [[1,2],[3]] | null | [] | [[]] | [null] | [[null]]
  d.rep = {0, 2, 1, 0, 0, 0, 0, 0};
  d.def = {5, 5, 5, 0, 1, 3, 2, 4};
  d.i32 = {1, 2, 3};
  RenderNode n = BuildRenderNode(s, 0);
  RowAssembler rows;
  rows.Reset({&d});
  std::vector<std::string> got;
  for (int r = 0; r < 6; ++r) {
    std::string out;
    rows.Render(n, &out);
    got.push_back(out);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"[[1,2],[3]]", "null", "[]", "[[]]", "[null]", "[[null]]"}));
}

TEST(RowAssembler, MapsAndStructs) {
  Schema s({Field::Map("m", Field::Primitive("key", LeafType::kString), Field::Primitive("value", LeafType::kInt32)),
            Field::Struct("st", {Field::Primitive("x", LeafType::kInt64),
                                 Field::Struct("in", {Field::Primitive("y", LeafType::kString)})})});
  ASSERT_EQ(s.leaves().size(), 4u);
  LeafData key(s.leaves()[0]), value(s.leaves()[1]), x(s.leaves()[2]), y(s.leaves()[3]);
  // {"a":1,"b":null} | {} | null
  key.rep = {0, 1, 0, 0};
  key.def = {2, 2, 1, 0};
  key.str.push_back("a");
  key.str.push_back("b");
  value.rep = {0, 1, 0, 0};
  value.def = {3, 2, 1, 0};
  value.i32 = {1};
  // {x:7, in:{y:"q"}} | {x:null, in:null} | null
  x.def = {2, 1, 0};
  x.i64 = {7};
  y.def = {3, 1, 0};
  y.str.push_back("q");
  RowAssembler rows;
  rows.Reset({&key, &value, &x, &y});
  RenderNode m = BuildRenderNode(s, 0), st = BuildRenderNode(s, 1);
  std::vector<std::string> got;
  for (int r = 0; r < 3; ++r) {
    std::string out;
    rows.Render(m, &out);
    out += '|';
    rows.Render(st, &out);
    got.push_back(out);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"{\"a\":1,\"b\":null}|{\"x\":7,\"in\":{\"y\":\"q\"}}",
                                           "{}|{\"x\":null,\"in\":null}", "null|null"}));
  // Inconsistent leaves (a value leaf shorter than its key leaf) render null, never crash.
  value.def.resize(1);
  value.rep.resize(1);
  rows.Reset({&key, &value, &x, &y});
  std::string out;
  for (int r = 0; r < 4; ++r) rows.Render(m, &out);
  EXPECT_FALSE(out.empty());
}

// A whole file by hand: one optional INT64 column, one data page v2 holding [1, null, 3, null,
// 5] as RLE definition levels (never compressed) + DELTA_BINARY_PACKED values (compressed with
// `codec` when is_compressed), then the footer.
std::string HandMadeV2File(format::Codec codec) {
  std::string levels("\x03\x15", 2);  // bit-packed group: 1,0,1,0,1 (+ padding)
  auto dbp = Bytes({0x80, 0x01, 0x04, 0x03, 0x02, 0x04, 0, 0, 0, 0});
  std::string values(dbp.begin(), dbp.end()), stored;
  EXPECT_TRUE(Compress(codec, values.data(), values.size(), &stored));
  format::PageHeader ph;
  ph.type = format::PageType::kDataPageV2;
  ph.uncompressed_page_size = static_cast<int32_t>(levels.size() + values.size());
  ph.compressed_page_size = static_cast<int32_t>(levels.size() + stored.size());
  format::DataPageHeaderV2 h;
  h.num_values = 5;
  h.num_nulls = 2;
  h.num_rows = 5;
  h.encoding = format::kDeltaBinaryPacked;
  h.definition_levels_byte_length = static_cast<int32_t>(levels.size());
  h.repetition_levels_byte_length = 0;
  h.is_compressed = codec != format::Codec::kUncompressed;
  ph.data_page_header_v2 = h;
  std::string file = "PAR1";
  std::string chunk;
  format::Serialize(ph, &chunk);
  chunk += levels + stored;
  file += chunk;
  format::FileMetaData md;
  md.version = 2;
  format::SchemaElement root, x;
  root.name = "schema";
  root.num_children = 1;
  x.name = "x";
  x.type = format::Type::kInt64;
  x.repetition_type = format::Repetition::kOptional;
  md.schema = {root, x};
  md.num_rows = 5;
  format::ColumnMetaData cm;
  cm.type = format::Type::kInt64;
  cm.encodings = {format::kRle, format::kDeltaBinaryPacked};
  cm.path_in_schema = {"x"};
  cm.codec = codec;
  cm.num_values = 5;
  cm.total_compressed_size = static_cast<int64_t>(chunk.size());
  cm.total_uncompressed_size = static_cast<int64_t>(chunk.size());
  cm.data_page_offset = 4;
  format::ColumnChunk cc;
  cc.file_offset = 4;
  cc.meta_data = cm;
  format::RowGroup rg;
  rg.columns = {cc};
  rg.num_rows = 5;
  rg.total_byte_size = static_cast<int64_t>(chunk.size());
  md.row_groups = {rg};
  std::string footer;
  format::Serialize(md, &footer);
  file += footer;
  uint32_t len = static_cast<uint32_t>(footer.size());
  file.append(reinterpret_cast<const char*>(&len), 4);
  return file + "PAR1";
}

TEST(HandMadeFile, DataPageV2WithDeltaBinaryPacked) {
  for (auto codec : {format::Codec::kUncompressed, format::Codec::kZstd, format::Codec::kSnappy}) {
    auto r = ParquetReader::Open(MemorySource(HandMadeV2File(codec)));
    ASSERT_TRUE(r) << r.error().message();
    LeafData d;
    auto st = (*r)->ReadLeaf(0, 0, &d);
    ASSERT_TRUE(st) << st.error().message();
    EXPECT_EQ(d.def, (std::vector<uint8_t>{1, 0, 1, 0, 1}));
    EXPECT_EQ(d.i64, (std::vector<int64_t>{1, 3, 5}));
  }
}

TEST(RowAssembler, LegacyTwoLevelListsAndBareRepeatedFields) {
  // optional group a (LIST) { repeated int32 array; }  and  repeated int32 r;  (parquet-java's
  // and Spark's legacy layouts, LogicalTypes.md "Backward-compatibility rules").
  using format::SchemaElement;
  std::vector<SchemaElement> el(4);
  el[0].name = "spark_schema";
  el[0].num_children = 2;
  el[1].name = "a";
  el[1].repetition_type = format::Repetition::kOptional;
  el[1].converted_type = format::ConvertedType::kList;
  el[1].num_children = 1;
  el[2].name = "array";
  el[2].repetition_type = format::Repetition::kRepeated;
  el[2].type = format::Type::kInt32;
  el[3].name = "r";
  el[3].repetition_type = format::Repetition::kRepeated;
  el[3].type = format::Type::kInt32;
  auto s = Schema::FromElements(el);
  ASSERT_TRUE(s) << s.error().message();
  ASSERT_EQ(s->leaves()[0].max_def, 2);
  ASSERT_EQ(s->leaves()[1].max_def, 1);
  LeafData a(s->leaves()[0]), r(s->leaves()[1]);
  // a: [1,2] | null | []     r: [5] | [] | [6,7]
  a.rep = {0, 1, 0, 0};
  a.def = {2, 2, 0, 1};
  a.i32 = {1, 2};
  r.rep = {0, 0, 0, 1};
  r.def = {1, 0, 1, 1};
  r.i32 = {5, 6, 7};
  RowAssembler rows;
  rows.Reset({&a, &r});
  RenderNode na = BuildRenderNode(*s, 0), nr = BuildRenderNode(*s, 1);
  std::vector<std::string> got;
  for (int i = 0; i < 3; ++i) {
    std::string out;
    rows.Render(na, &out);
    out += '|';
    rows.Render(nr, &out);
    got.push_back(out);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"[1,2]|[5]", "null|[]", "[]|[6,7]"}));
}

}  // namespace
}  // namespace pinpipe::lake
