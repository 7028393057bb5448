#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace pinpipe {
namespace {

TEST(Crc32c, StandardVector) {
  EXPECT_EQ(Crc32c(std::string_view("123456789")), 0xE3069283u);
  EXPECT_EQ(Crc32c("", 0), 0u);
}

TEST(Crc32c, Rfc3720Vectors) {
  // iSCSI (RFC 3720 B.4): 32 bytes of zeros / of 0xff.
  std::string zeros(32, '\0'), ones(32, '\xff');
  EXPECT_EQ(Crc32c(zeros), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(ones), 0x62A8AB43u);
}

TEST(Crc32c, ExtendEqualsWholeAtEveryAlignmentAndSplit) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data += static_cast<char>(i * 7 + 3);
  for (size_t start = 0; start < 9; ++start) {
    std::string_view s = std::string_view(data).substr(start);
    uint32_t whole = Crc32c(s);
    for (size_t split : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{500}, s.size()}) {
      uint32_t part = Crc32cExtend(Crc32c(s.substr(0, split)), s.data() + split, s.size() - split);
      EXPECT_EQ(part, whole) << start << " " << split;
    }
  }
}

// The three-stream hardware path (inputs of 3 KiB and more) against a bitwise reference.
TEST(Crc32c, LongInputsMatchABitwiseReference) {
  auto reference = [](uint32_t crc, std::string_view s) {
    uint32_t c = ~crc;
    for (unsigned char b : s) {
      c ^= b;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) ? 0x82F63B78u : 0);
    }
    return ~c;
  };
  std::string data;
  uint32_t x = 12345;
  for (int i = 0; i < 40000; ++i) {
    x = x * 1103515245u + 12345u;
    data += static_cast<char>(x >> 24);
  }
  for (size_t len : {size_t{3071}, size_t{3072}, size_t{3073}, size_t{6144}, size_t{9999},
                     size_t{40000}}) {
    for (size_t start : {size_t{0}, size_t{3}}) {
      std::string_view s = std::string_view(data).substr(start, len - start);
      EXPECT_EQ(Crc32c(s), reference(0, s)) << len << " " << start;
      EXPECT_EQ(Crc32cExtend(0xDEADBEEF, s.data(), s.size()), reference(0xDEADBEEF, s)) << len;
    }
  }
}

}  // namespace
}  // namespace pinpipe
