#include "kafka/wire.h"

#include <gtest/gtest.h>

namespace pinpipe::kafka {
namespace {

TEST(WireTest, FixedWidthIntegersAreBigEndian) {
  std::string out;
  Writer w(out);
  w.I16(-2);
  w.I32(0x01020304);
  w.I64(-1);
  EXPECT_EQ(out, std::string("\xff\xfe\x01\x02\x03\x04", 6) + std::string(8, '\xff'));
  Reader r(out);
  EXPECT_EQ(r.I16(), -2);
  EXPECT_EQ(r.I32(), 0x01020304);
  EXPECT_EQ(r.I64(), -1);
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(WireTest, UnsignedVarintsRoundTripAndRejectOverlongEncodings) {
  for (uint32_t v : {0u, 1u, 127u, 128u, 300u, 16384u, 0xffffffffu}) {
    std::string out;
    Writer(out).UVarint(v);
    Reader r(out);
    EXPECT_EQ(r.UVarint(), v);
    EXPECT_FALSE(r.failed());
  }
  std::string out;
  Writer(out).UVarint(300);
  EXPECT_EQ(out, "\xac\x02");
  Reader too_long(std::string_view("\xff\xff\xff\xff\x7f", 5));  // 35 bits
  too_long.UVarint();
  EXPECT_TRUE(too_long.failed());
  Reader truncated(std::string_view("\x80", 1));
  truncated.UVarint();
  EXPECT_TRUE(truncated.failed());
}

TEST(WireTest, CompactStringsUseLengthPlusOneAndZeroForNull) {
  std::string out;
  Writer w(out);
  w.String("ab", true);
  w.NullableString(std::nullopt, true);
  w.String("ab", false);
  w.NullableString(std::nullopt, false);
  EXPECT_EQ(out, std::string("\x03" "ab" "\x00" "\x00\x02" "ab" "\xff\xff", 10));
  Reader r(out);
  EXPECT_EQ(r.String(true), "ab");
  EXPECT_EQ(r.NullableString(true), std::nullopt);
  EXPECT_EQ(r.String(false), "ab");
  EXPECT_EQ(r.NullableString(false), std::nullopt);
  EXPECT_FALSE(r.failed());
}

TEST(WireTest, ANullWhereAStringIsRequiredFails) {
  Reader r(std::string_view("\xff\xff", 2));
  r.String(false);
  EXPECT_TRUE(r.failed());
}

TEST(WireTest, CompactArraysAndBytes) {
  std::string out;
  Writer w(out);
  w.ArrayLength(2, true);
  w.ArrayLength(-1, true);
  w.Bytes(std::string_view("xyz"), true);
  w.Bytes(std::nullopt, false);
  const std::string input = out + std::string(2, 'p');  // room for the two array elements
  Reader r(input);  // a Reader views its input: it must outlive the reader
  EXPECT_EQ(r.ArrayLength(true), 2);
  EXPECT_EQ(r.ArrayLength(true), -1);
  EXPECT_EQ(r.Bytes(true), std::optional<std::string_view>("xyz"));
  EXPECT_EQ(r.Bytes(false), std::nullopt);
  EXPECT_FALSE(r.failed());
}

TEST(WireTest, AnArrayCountLargerThanTheInputFailsWithoutAllocating) {
  std::string out;
  Writer(out).I32(1'000'000'000);
  Reader r(out);
  EXPECT_EQ(r.ArrayLength(false), 0);
  EXPECT_TRUE(r.failed());
  Reader negative(std::string_view("\xff\xff\xff\xfe", 4));  // -2
  negative.ArrayLength(false);
  EXPECT_TRUE(negative.failed());
}

TEST(WireTest, TaggedFieldsAreSkipped) {
  std::string out;
  Writer w(out);
  w.UVarint(2);  // two tags
  w.UVarint(0);
  w.UVarint(3);
  out += "abc";
  w.UVarint(7);
  w.UVarint(0);
  w.I16(42);
  Reader r(out);
  r.SkipTaggedFields();
  EXPECT_EQ(r.I16(), 42);
  EXPECT_FALSE(r.failed());
  Reader truncated(std::string_view("\x01\x00\x05" "ab", 5));
  truncated.SkipTaggedFields();
  EXPECT_TRUE(truncated.failed());
}

TEST(WireTest, ReadsAfterAFailureReturnZeroAndStayFailed) {
  Reader r(std::string_view("\x01", 1));
  EXPECT_EQ(r.I32(), 0);
  EXPECT_TRUE(r.failed());
  EXPECT_EQ(r.I8(), 0);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(WireTest, PatchedSizes) {
  std::string out;
  Writer w(out);
  size_t pos = w.ReserveI32();
  out += "hello";
  w.PatchI32(pos, 5);
  Reader r(out);
  EXPECT_EQ(r.Bytes(false), std::optional<std::string_view>("hello"));
}

}  // namespace
}  // namespace pinpipe::kafka
