#include "emulator/py_json.h"

#include <gtest/gtest.h>

#include "emulator/json_value.h"

namespace pinpipe::emulator {
namespace {

std::string Float(double d) {
  std::string s;
  AppendPyFloat(d, &s);
  return s;
}

TEST(PyJsonTest, FloatReprLikePython) {
  EXPECT_EQ(Float(-89.9787), "-89.9787");
  EXPECT_EQ(Float(-173.293), "-173.293");
  EXPECT_EQ(Float(17.0), "17.0");
  EXPECT_EQ(Float(0.0), "0.0");
  EXPECT_EQ(Float(0.0001), "0.0001");
  EXPECT_EQ(Float(0.00001), "1e-05");
  EXPECT_EQ(Float(1e16), "1e+16");
  EXPECT_EQ(Float(123456789012345.0), "123456789012345.0");
  EXPECT_EQ(Float(0.1 + 0.2), "0.30000000000000004");
}

TEST(PyJsonTest, StringsEnsureAscii) {
  std::string s;
  AppendPyJsonString("I ca\xE2\x80\xA6\xC2\xA0 \"q\" \\ \n\x01 \xF0\x9F\x8D\x82", &s);
  EXPECT_EQ(s, R"("I ca\u2026\u00a0 \"q\" \\ \n\u0001 \ud83c\udf42")");
}

TEST(JsonValueTest, ParsesAndReserializesLikePython) {
  auto v = JsonValue::Parse(
      R"([{"topic":"p.geo","key":null,"value":{"ind":7528,"latitude":-89.9787,"country":"Cocos \u2026","x":1e2,"ok":true},"partition":0,"offset":23}])");
  ASSERT_TRUE(v) << v.error().ToString();
  std::string out;
  v->AppendPython(&out);
  EXPECT_EQ(out,
            R"([{"topic": "p.geo", "key": null, "value": {"ind": 7528, "latitude": -89.9787, "country": "Cocos \u2026", "x": 100.0, "ok": true}, "partition": 0, "offset": 23}])");
  EXPECT_FALSE(JsonValue::Parse("{\"a\":}"));
  EXPECT_FALSE(JsonValue::Parse("[1,2"));
  EXPECT_FALSE(JsonValue::Parse("{} x"));
}

}  // namespace
}  // namespace pinpipe::emulator
