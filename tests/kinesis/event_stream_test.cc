#include "kinesis/event_stream.h"

#include <gtest/gtest.h>

#include <string>

namespace pinpipe::kinesis {
namespace {

std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

// The encoded test vectors of the AWS event stream test suite (awslabs/aws-c-event-stream,
// test/encoded/positive/empty_message and payload_no_headers), which every SDK's decoder is
// checked against.
TEST(EventStreamTest, EmptyMessageMatchesTheSpecVector) {
  std::string out;
  AppendEventMessage({}, "", out);
  EXPECT_EQ(Hex(out), "00000010" "00000000" "05c248eb" "7d98c8ff");
}

TEST(EventStreamTest, PayloadWithoutHeadersMatchesTheSpecVector) {
  std::string out;
  AppendEventMessage({}, "{'foo':'bar'}", out);
  EXPECT_EQ(Hex(out), "0000001d00000000fd528c5a" + Hex("{'foo':'bar'}") + "c3653936");
}

TEST(EventStreamTest, Crc32IsIeee) {
  // The check value of CRC-32/ISO-HDLC.
  EXPECT_EQ(Crc32("123456789"), 0xcbf43926u);
}

TEST(EventStreamTest, EventHeadersAndLengthsRoundTrip) {
  std::string out;
  AppendEvent("SubscribeToShardEvent", "application/x-amz-json-1.1", "{\"Records\":[]}", out);
  AppendException("ResourceInUseException", "application/x-amz-json-1.1", "{\"message\":\"m\"}", out);
  // Prelude: total length, then the header block's length (3 headers of type 7).
  const size_t headers = (1 + 11 + 3 + 21) + (1 + 13 + 3 + 26) + (1 + 13 + 3 + 5);
  ASSERT_GE(out.size(), 8u);
  auto u32 = [&](size_t at) {
    return (static_cast<uint32_t>(static_cast<unsigned char>(out[at])) << 24) |
           (static_cast<uint32_t>(static_cast<unsigned char>(out[at + 1])) << 16) |
           (static_cast<uint32_t>(static_cast<unsigned char>(out[at + 2])) << 8) |
           static_cast<unsigned char>(out[at + 3]);
  };
  EXPECT_EQ(u32(0), 12 + headers + 14 + 4);
  EXPECT_EQ(u32(4), headers);
  size_t used = 0;
  auto m = DecodeEventMessage(out, &used);
  ASSERT_TRUE(m);
  EXPECT_EQ(used, 12 + headers + 14 + 4);
  EXPECT_EQ(m->Header(":event-type"), "SubscribeToShardEvent");
  EXPECT_EQ(m->Header(":content-type"), "application/x-amz-json-1.1");
  EXPECT_EQ(m->Header(":message-type"), "event");
  EXPECT_EQ(m->payload, "{\"Records\":[]}");
  auto e = DecodeEventMessage(std::string_view(out).substr(used), &used);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->Header(":message-type"), "exception");
  EXPECT_EQ(e->Header(":exception-type"), "ResourceInUseException");
  EXPECT_EQ(e->payload, "{\"message\":\"m\"}");
}

TEST(EventStreamTest, DecoderRefusesDamagedOrShortMessages) {
  std::string out;
  AppendEvent("initial-response", "application/x-amz-json-1.1", "{}", out);
  size_t used = 0;
  EXPECT_FALSE(DecodeEventMessage(std::string_view(out).substr(0, out.size() - 1), &used));
  std::string bad = out;
  bad[out.size() - 6] ^= 1;  // payload byte: message CRC fails
  EXPECT_FALSE(DecodeEventMessage(bad, &used));
  bad = out;
  bad[3] ^= 1;  // length: prelude CRC fails
  EXPECT_FALSE(DecodeEventMessage(bad, &used));
}

}  // namespace
}  // namespace pinpipe::kinesis
