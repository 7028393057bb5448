#include "net/byte_buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace pinpipe::net {
namespace {

TEST(ByteBufferTest, AppendConsumeGrow) {
  ByteBuffer b;
  EXPECT_TRUE(b.empty());
  b.Append("hello ");
  b.Append(std::string(10000, 'x'));
  EXPECT_EQ(b.size(), 10006u);
  EXPECT_EQ(b.view().substr(0, 6), "hello ");
  b.Consume(6);
  EXPECT_EQ(b.view(), std::string(10000, 'x'));
  b.Consume(10000);
  EXPECT_TRUE(b.empty());
  char* p = b.PrepareWrite(3);
  std::memcpy(p, "abc", 3);
  b.CommitWrite(3);
  EXPECT_EQ(b.view(), "abc");
}

TEST(ByteBufferTest, CompactsInsteadOfGrowing) {
  ByteBuffer b;
  b.Append(std::string(4000, 'a'));
  size_t cap = b.capacity();
  b.Consume(3990);
  b.PrepareWrite(cap - 100);
  EXPECT_EQ(b.capacity(), cap);
  EXPECT_EQ(b.view(), std::string(10, 'a'));
}

TEST(ByteBufferTest, ShrinkIfEmpty) {
  ByteBuffer b;
  b.Append(std::string(1 << 20, 'a'));
  b.ShrinkIfEmpty(1024);
  EXPECT_GT(b.capacity(), 1024u);  // not empty: kept
  b.Consume(1 << 20);
  b.ShrinkIfEmpty(1024);
  EXPECT_EQ(b.capacity(), 0u);
}

}  // namespace
}  // namespace pinpipe::net
