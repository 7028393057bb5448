// base64, murmur2 and the JSON writer.
#include <gtest/gtest.h>

#include <string>

#include "common/base64.h"
#include "common/json_writer.h"
#include "common/murmur2.h"

namespace pinpipe {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, enc] : vectors) {
    std::string e;
    Base64Encode(plain, e);
    EXPECT_EQ(e, enc);
    std::string d;
    ASSERT_TRUE(Base64Decode(enc, d)) << enc;
    EXPECT_EQ(d, plain);
  }
}

TEST(Base64Test, RejectsInvalid) {
  std::string out = "keep";
  for (const char* bad : {"%%", "Zg=", "Z===", "Zm9v!A==", "=Zg=", "Zg==Zg==", "Zm 9v"}) {
    EXPECT_FALSE(Base64Decode(bad, out)) << bad;
    EXPECT_EQ(out, "keep");
  }
}

// A character outside the alphabet (or a '=' before the end) is refused at every position of a
// long input, and every length decodes to what was encoded.
TEST(Base64Test, EveryPositionIsCheckedAndEveryLengthRoundTrips) {
  std::string plain;
  for (int i = 0; i < 301; ++i) plain += static_cast<char>((i * 37 + 11) & 0xff);
  for (size_t n = 0; n <= plain.size(); ++n) {
    std::string e, d;
    Base64Encode(std::string_view(plain).substr(0, n), e);
    ASSERT_TRUE(Base64Decode(e, d)) << n;
    ASSERT_EQ(d, plain.substr(0, n));
  }
  std::string enc;
  Base64Encode(plain, enc);
  for (size_t pos = 0; pos < enc.size(); ++pos) {
    for (char bad : {'!', '=', '\0', '-', '\xff'}) {
      if (bad == '=' && pos + 2 >= enc.size()) continue;  // may be legal padding there
      std::string broken = enc;
      broken[pos] = bad;
      std::string out = "keep";
      EXPECT_FALSE(Base64Decode(broken, out)) << pos << " " << static_cast<int>(bad);
      EXPECT_EQ(out, "keep");
    }
  }
}

TEST(Base64Test, BinaryRoundTrip) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  std::string e, d;
  Base64Encode(all, e);
  ASSERT_TRUE(Base64Decode(e, d));
  EXPECT_EQ(d, all);
}

// Values computed with Kafka's Java Utils.murmur2 (they appear in Kafka's own UtilsTest:
// "21" -> -973932308, "foobar" -> -790332482, "a-little-bit-long-string" -> -985981536,
// "a-little-bit-longer-string" -> -1486304829, "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"
// -> -58897971, "abc" -> 479470107).
TEST(Murmur2Test, MatchesKafkaUtilsTest) {
  EXPECT_EQ(KafkaMurmur2("21"), -973932308);
  EXPECT_EQ(KafkaMurmur2("foobar"), -790332482);
  EXPECT_EQ(KafkaMurmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(KafkaMurmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(KafkaMurmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(KafkaMurmur2("abc"), 479470107);
}

TEST(Murmur2Test, PartitionIsPositiveModulo) {
  EXPECT_EQ(KafkaPartitionForKey("21", 3), (-973932308 & 0x7fffffff) % 3);
  for (int n = 1; n < 20; ++n) {
    int p = KafkaPartitionForKey("key-" + std::to_string(n), n);
    EXPECT_GE(p, 0);
    EXPECT_LT(p, n);
  }
}

TEST(JsonWriterTest, EscapesAndNumbers) {
  std::string out;
  AppendJsonString(out, "a\"b\\c\n\x01 é");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001 é\"");
  out.clear();
  AppendJsonInt(out, -9223372036854775807LL - 1);
  EXPECT_EQ(out, "-9223372036854775808");
  out.clear();
  AppendJsonDouble(out, -89.5236);
  EXPECT_EQ(out, "-89.5236");
  out.clear();
  AppendJsonDouble(out, 3);
  EXPECT_EQ(out, "3.0");
  out.clear();
  AppendJsonDouble(out, 1e300);
  EXPECT_EQ(out, "1e+300");
  out.clear();
  AppendJsonDouble(out, 0.0 / 0.0);
  EXPECT_EQ(out, "null");
}

}  // namespace
}  // namespace pinpipe
