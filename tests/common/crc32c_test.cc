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

}  // namespace
}  // namespace pinpipe
