// CBOR codec against RFC 8949 Appendix A (examples of encoded data items).
#include "kinesis/cbor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "kinesis/json_codec.h"

namespace pinpipe::kinesis {
namespace {

std::string Hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

Value Decode(std::string_view hex) {
  auto r = DecodeCbor(Hex(hex));
  EXPECT_TRUE(r) << hex << ": " << (r ? "" : r.error().message());
  return r ? *r : Value{};
}

std::string Encode(const Value& v) {
  std::string out;
  EncodeCbor(v, out);
  std::string hex;
  for (unsigned char c : out) {
    static const char* d = "0123456789abcdef";
    hex += d[c >> 4];
    hex += d[c & 15];
  }
  return hex;
}

std::string AsJson(std::string_view hex) {
  std::string out;
  EncodeJson(Decode(hex), out);
  return out;
}

TEST(CborTest, IntegersFromTheRfc) {
  struct { const char* hex; int64_t v; } cases[] = {
      {"00", 0}, {"01", 1}, {"0a", 10}, {"17", 23}, {"1818", 24}, {"1819", 25}, {"1864", 100},
      {"1903e8", 1000}, {"1a000f4240", 1000000}, {"1b000000e8d4a51000", 1000000000000},
      {"20", -1}, {"29", -10}, {"3863", -100}, {"3903e7", -1000}};
  for (const auto& c : cases) {
    Value v = Decode(c.hex);
    EXPECT_EQ(v.kind, Value::Kind::kInt) << c.hex;
    EXPECT_EQ(v.i, c.v) << c.hex;
    EXPECT_EQ(Encode(Value::Int(c.v)), c.hex);  // shortest heads, as the RFC's preferred encoding
  }
  // 18446744073709551615 and -18446744073709551616 exceed int64: kept as doubles.
  EXPECT_DOUBLE_EQ(Decode("1bffffffffffffffff").d, 18446744073709551615.0);
  EXPECT_DOUBLE_EQ(Decode("3bffffffffffffffff").d, -18446744073709551616.0);
}

TEST(CborTest, FloatsFromTheRfc) {
  struct { const char* hex; double v; } cases[] = {
      {"f90000", 0.0}, {"f98000", -0.0}, {"f93c00", 1.0}, {"fb3ff199999999999a", 1.1},
      {"f93e00", 1.5}, {"f97bff", 65504.0}, {"fa47c35000", 100000.0},
      {"fa7f7fffff", 3.4028234663852886e+38}, {"fb7e37e43c8800759c", 1.0e+300},
      {"f90001", 5.960464477539063e-8}, {"f90400", 0.00006103515625}, {"f9c400", -4.0},
      {"fbc010666666666666", -4.1}};
  for (const auto& c : cases) {
    Value v = Decode(c.hex);
    EXPECT_EQ(v.kind, Value::Kind::kDouble) << c.hex;
    EXPECT_EQ(v.d, c.v) << c.hex;
    EXPECT_EQ(std::signbit(v.d), std::signbit(c.v)) << c.hex;
  }
  EXPECT_TRUE(std::isinf(Decode("f97c00").d));
  EXPECT_TRUE(std::isnan(Decode("f97e00").d));
  EXPECT_TRUE(std::isinf(Decode("f9fc00").d) && Decode("f9fc00").d < 0);
  EXPECT_TRUE(std::isinf(Decode("fa7f800000").d));
  EXPECT_EQ(Encode(Value::Double(1.1)), "fb3ff199999999999a");
}

TEST(CborTest, SimpleValuesStringsAndContainersFromTheRfc) {
  EXPECT_EQ(Decode("f4").kind, Value::Kind::kBool);
  EXPECT_FALSE(Decode("f4").b);
  EXPECT_TRUE(Decode("f5").b);
  EXPECT_TRUE(Decode("f6").is_null());
  EXPECT_TRUE(Decode("f7").is_null());  // undefined
  EXPECT_EQ(Decode("40").kind, Value::Kind::kBytes);
  EXPECT_EQ(Decode("4401020304").s, Hex("01020304"));
  EXPECT_EQ(Decode("60").s, "");
  EXPECT_EQ(Decode("6161").s, "a");
  EXPECT_EQ(Decode("6449455446").s, "IETF");
  EXPECT_EQ(Decode("62225c").s, "\"\\");
  EXPECT_EQ(Decode("62c3bc").s, "\u00fc");
  EXPECT_EQ(Decode("63e6b0b4").s, "\u6c34");
  EXPECT_EQ(Decode("64f0908591").s, "\xf0\x90\x85\x91");
  EXPECT_EQ(AsJson("80"), "[]");
  EXPECT_EQ(AsJson("83010203"), "[1,2,3]");
  EXPECT_EQ(AsJson("8301820203820405"), "[1,[2,3],[4,5]]");
  EXPECT_EQ(AsJson("98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
            "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25]");
  EXPECT_EQ(AsJson("a0"), "{}");
  EXPECT_EQ(AsJson("a26161016162820203"), "{\"a\":1,\"b\":[2,3]}");
  EXPECT_EQ(AsJson("826161a161626163"), "[\"a\",{\"b\":\"c\"}]");
  EXPECT_EQ(AsJson("a56161614161626142616361436164614461656145"),
            "{\"a\":\"A\",\"b\":\"B\",\"c\":\"C\",\"d\":\"D\",\"e\":\"E\"}");
  // Indefinite lengths.
  EXPECT_EQ(Decode("5f42010243030405ff").s, Hex("0102030405"));
  EXPECT_EQ(Decode("7f657374726561646d696e67ff").s, "streaming");
  EXPECT_EQ(AsJson("9fff"), "[]");
  EXPECT_EQ(AsJson("9f018202039f0405ffff"), "[1,[2,3],[4,5]]");
  EXPECT_EQ(AsJson("9f01820203820405ff"), "[1,[2,3],[4,5]]");
  EXPECT_EQ(AsJson("83018202039f0405ff"), "[1,[2,3],[4,5]]");
  EXPECT_EQ(AsJson("bf61610161629f0203ffff"), "{\"a\":1,\"b\":[2,3]}");
  EXPECT_EQ(AsJson("826161bf61626163ff"), "[\"a\",{\"b\":\"c\"}]");
  EXPECT_EQ(AsJson("bf6346756ef563416d7421ff"), "{\"Fun\":true,\"Amt\":-2}");
}

TEST(CborTest, TagsAndAwsTimestamps) {
  // Tag 0 (date/time string) is transparent; tag 1 is a timestamp (milliseconds, as AWS SDKs).
  EXPECT_EQ(Decode("c074323031332d30332d32315432303a30343a30305a").s, "2013-03-21T20:04:00Z");
  Value t = Decode("c11a514b67b0");
  EXPECT_EQ(t.kind, Value::Kind::kTimestamp);
  EXPECT_EQ(t.d, 1363896240.0);
  EXPECT_EQ(Decode("d74401020304").s, Hex("01020304"));  // tag 23
  EXPECT_EQ(Decode("d818456449455446").s, Hex("6449455446"));
  EXPECT_EQ(Encode(Value::Timestamp(1459799926480.0)), "c11b00000153e2db26d0");
}

TEST(CborTest, RoundTripsAResponse) {
  Value v = Value::Map();
  v.Set("Data", Value::Bytes(std::string("\x00\xff", 2)));
  v.Set("Records", Value::Array()).Add(Value::String("x"));
  v.Set("MillisBehindLatest", Value::Int(0));
  std::string enc;
  EncodeCbor(v, enc);
  auto back = DecodeCbor(enc);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->Find("Data")->s, std::string("\x00\xff", 2));
  EXPECT_EQ(back->Find("Records")->items[0].s, "x");
}

TEST(CborTest, RejectsMalformedInput) {
  const char* bad[] = {"", "18", "1c", "5f", "5f01ff", "7f4100ff", "a1", "a101", "a10102", "ff", "f818",
                       "8201", "9f", "bf6161", "0000", "1f", "3f", "df00", "fc", "c1", "c16161"};
  for (const char* h : bad) EXPECT_FALSE(DecodeCbor(Hex(h))) << h;
  // Nesting limit.
  std::string deep(kMaxCborDepth + 2, '\x81');
  deep += '\x00';
  EXPECT_FALSE(DecodeCbor(deep));
  // A huge length with no bytes behind it fails without allocating it.
  EXPECT_FALSE(DecodeCbor(Hex("9bffffffffffffffff")));
  EXPECT_FALSE(DecodeCbor(Hex("5bffffffffffffffff")));
}

}  // namespace
}  // namespace pinpipe::kinesis
