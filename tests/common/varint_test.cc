#include "common/varint.h"

#include <gtest/gtest.h>

#include <climits>
#include <string>

namespace pinpipe {
namespace {

TEST(Varint, ZigZagMatchesKafka) {
  // ByteUtils.writeVarint: 0->0, -1->1, 1->2, -2->3, 2147483647->4294967294.
  EXPECT_EQ(ZigZagEncode32(0), 0u);
  EXPECT_EQ(ZigZagEncode32(-1), 1u);
  EXPECT_EQ(ZigZagEncode32(1), 2u);
  EXPECT_EQ(ZigZagEncode32(-2), 3u);
  EXPECT_EQ(ZigZagEncode32(INT32_MAX), 0xFFFFFFFEu);
  EXPECT_EQ(ZigZagEncode32(INT32_MIN), 0xFFFFFFFFu);
  EXPECT_EQ(ZigZagDecode64(ZigZagEncode64(INT64_MIN)), INT64_MIN);
}

TEST(Varint, KnownEncodings) {
  std::string out;
  AppendVarint(out, -1);
  EXPECT_EQ(out, std::string("\x01", 1));
  out.clear();
  AppendVarint(out, 5);
  EXPECT_EQ(out, "\x0a");
  out.clear();
  AppendVarint(out, 64);  // zigzag 128 -> 0x80 0x01
  EXPECT_EQ(out, std::string("\x80\x01", 2));
  out.clear();
  AppendUnsignedVarint32(out, 300);
  EXPECT_EQ(out, std::string("\xac\x02", 2));
}

TEST(Varint, RoundTrip) {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{63}, int64_t{-64}, int64_t{64},
                    int64_t{1} << 40, -(int64_t{1} << 40), INT64_MAX, INT64_MIN}) {
    std::string out;
    AppendVarlong(out, v);
    EXPECT_EQ(out.size(), VarlongSize(v));
    const char* p = out.data();
    int64_t got;
    ASSERT_TRUE(GetVarlong(&p, out.data() + out.size(), &got));
    EXPECT_EQ(got, v);
    EXPECT_EQ(p, out.data() + out.size());
  }
  for (int32_t v : {0, 1, -1, 1000, -1000, INT32_MAX, INT32_MIN}) {
    std::string out;
    AppendVarint(out, v);
    EXPECT_EQ(out.size(), VarintSize(v));
    const char* p = out.data();
    int32_t got;
    ASSERT_TRUE(GetVarint(&p, out.data() + out.size(), &got));
    EXPECT_EQ(got, v);
  }
}

TEST(Varint, RejectsTruncatedAndOverlong) {
  std::string trunc("\x80\x80", 2);
  const char* p = trunc.data();
  int32_t v32;
  EXPECT_FALSE(GetVarint(&p, trunc.data() + trunc.size(), &v32));
  std::string empty;
  p = empty.data();
  EXPECT_FALSE(GetVarint(&p, p, &v32));
  // Six bytes for a 32-bit varint.
  std::string overlong("\x80\x80\x80\x80\x80\x01", 6);
  p = overlong.data();
  EXPECT_FALSE(GetVarint(&p, overlong.data() + overlong.size(), &v32));
  // Fifth byte with bits beyond 32.
  std::string big("\xff\xff\xff\xff\x7f", 5);
  p = big.data();
  EXPECT_FALSE(GetVarint(&p, big.data() + big.size(), &v32));
  std::string over64(11, '\x80');
  over64.back() = '\x01';
  p = over64.data();
  int64_t v64;
  EXPECT_FALSE(GetVarlong(&p, over64.data() + over64.size(), &v64));
}

}  // namespace
}  // namespace pinpipe
