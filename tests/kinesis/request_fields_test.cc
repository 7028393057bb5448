#include "kinesis/request_fields.h"

#include <gtest/gtest.h>

#include "kinesis/json_codec.h"

namespace pinpipe::kinesis {
namespace {

// A timestamp in seconds too large for milliseconds in 64 bits is a type error, never a wrapped
// value (found by fuzz/kinesis_request_fuzz.cc: signed overflow in seconds * 1000).
TEST(RequestFieldsTest, HugeTimestampsAreRefused) {
  auto v = DecodeJson(R"({"Timestamp":2305844774106493952})");
  ASSERT_TRUE(v);
  RequestFields f(*v);
  EXPECT_FALSE(f.TimestampMs("Timestamp").has_value());
  ASSERT_TRUE(f.Error());
  EXPECT_EQ(f.Error()->type, "SerializationException");
  auto ok = DecodeJson(R"({"Timestamp":1459799926.48})");
  RequestFields g(*ok);
  EXPECT_EQ(g.TimestampMs("Timestamp"), 1459799926480);
  auto secs = DecodeJson(R"({"Timestamp":1459799926})");
  RequestFields h(*secs);
  EXPECT_EQ(h.TimestampMs("Timestamp"), 1459799926000);
}

}  // namespace
}  // namespace pinpipe::kinesis
