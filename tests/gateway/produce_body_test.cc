// ProduceBody's On-Demand walk of json keys and values must accept exactly what ValidateJson
// (the reference, common/json_validator.h) accepts.
#include "gateway/produce_body.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/json_validator.h"
#include "gateway/rest_errors.h"

namespace pinpipe::gateway {
namespace {

TEST(ProduceBodyTest, WalkAgreesWithValidateJson) {
  const std::string seeds[] = {
      "{\"a\":[1,2.5,-3e4,true,false,null,\"x\\u00e9\\ud83d\\ude00\"],\"b\":{\"c\":\"\xc3\xa9\"}}",
      "[0,-0.0,1e308,18446744073709551615,-9223372036854775808,\"\\\\\\\"\",[],{}]"};
  const std::string alphabet = "{}[],:\"\\u0123456789abcdefd8dcE+-.eEtrufalsn\x80\xc3\xed\xf0\xff";
  std::mt19937 rng(7);
  ProduceBody body;
  int agreed_ok = 0, agreed_bad = 0;
  for (int round = 0; round < 100000; ++round) {
    std::string t = seeds[round % 2];
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      size_t pos = rng() % (t.size() + 1);
      switch (rng() % 3) {
        case 0: t.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
        case 1: if (pos < t.size()) t.erase(pos, 1); break;
        default: if (pos < t.size()) t[pos] = alphabet[rng() % alphabet.size()]; break;
      }
    }
    const bool valid = ValidateJson(t).ok;
    auto err = body.Parse("{\"records\":[{\"value\":" + t + "}]}", false, 10);
    if (valid) {
      ASSERT_FALSE(err.has_value()) << t << " -> " << err->message;
      ASSERT_EQ(body.records().size(), 1u);
      ASSERT_EQ(body.Value(body.records()[0]), t);
      ++agreed_ok;
    } else {
      ASSERT_TRUE(err.has_value()) << "accepted: " << t;
      ++agreed_bad;
    }
  }
  EXPECT_GT(agreed_ok, 1000);
  EXPECT_GT(agreed_bad, 1000);
}

TEST(ProduceBodyTest, ScalarsAndContainersKeepTheirExactText) {
  // Found by fuzz/rest_produce_body_fuzz.cc: a number key or value came out empty.
  ProduceBody body;
  for (std::string v : {"0", "-1.5e3", "true", "false", "\"a,b}\"", "[1,{\"x\":[]}]", "{}"}) {
    auto err = body.Parse("{\"records\":[{\"key\":" + v + ",\"value\":" + v + ",\"partition\":0}]}", false, 10);
    ASSERT_FALSE(err.has_value()) << v << ": " << err->message;
    EXPECT_EQ(body.Key(body.records()[0]), v);
    EXPECT_EQ(body.Value(body.records()[0]), v);
  }
}

TEST(ProduceBodyTest, DepthLimitIsPerValue) {
  ProduceBody body;
  auto nested = [](int d) { return std::string(d, '[') + std::string(d, ']'); };
  EXPECT_FALSE(body.Parse("{\"records\":[{\"value\":" + nested(1000) + "}]}", false, 10).has_value());
  auto err = body.Parse("{\"records\":[{\"value\":" + nested(1001) + "}]}", false, 10);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code, rest_code::kPayloadError);
  auto key = body.Parse("{\"records\":[{\"key\":" + nested(1001) + ",\"value\":1}]}", false, 10);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->code, rest_code::kPayloadError);
}

TEST(ProduceBodyTest, NumbersAgreeWithValidateJson) {
  // The inline fast path for plain numbers (produce_body.cc NumberOk) and the reference must
  // give the same verdict at every edge of the fast path.
  const std::string nines(300, '9');
  const std::string numbers[] = {
      "0", "-0", "7", "-7", "01", "-01", "00", "-", "1.", ".5", "-.5", "1.5", "-01.5", "0.0001",
      "123456789012345678", "-123456789012345678", "1234567890123456789", "9223372036854775807",
      "-9223372036854775808", "-9223372036854775809", "18446744073709551615",
      "18446744073709551616", "1e5", "1E+5", "1e-999", "1e999", "-1e999", "1.5e308", "1.8e308",
      nines + ".5", nines.substr(1) + ".5", "9" + nines + ".5", "1" + std::string(999, '0'),
      "0." + std::string(998, '1'), "0." + std::string(999, '1'), "1x", "1.5.5", "--1", "+1"};
  ProduceBody body;
  for (const std::string& n : numbers) {
    for (const std::string& v : {n, "[" + n + "]", "{\"n\":" + n + "}"}) {
      auto err = body.Parse("{\"records\":[{\"value\":" + v + "}]}", false, 10);
      EXPECT_EQ(!err.has_value(), ValidateJson(v).ok) << v;
    }
  }
}

TEST(ProduceBodyTest, EscapesAreCheckedInEveryValueOfTheBody) {
  // Values are searched for backslashes with one lazy pass over the body: an escape in any
  // record, before or after valid escapes in other records and keys, is still checked.
  ProduceBody body;
  const std::string ok = "{\"value\":\"plain\"}";
  const std::string esc = "{\"key\":\"a\\n\",\"value\":\"\\u00e9\"}";
  const std::string bad = "{\"value\":[\"x\",\"\\ud800\"]}";
  const std::string shapes[][3] = {{ok, ok, bad}, {esc, ok, bad}, {bad, ok, ok},
                                   {esc, bad, esc}, {ok, esc, bad}};
  for (const auto& s : shapes) {
    auto err = body.Parse("{\"records\":[" + s[0] + "," + s[1] + "," + s[2] + "]}", false, 10);
    ASSERT_TRUE(err.has_value()) << s[0] << s[1] << s[2];
    EXPECT_EQ(err->code, rest_code::kPayloadError);
  }
  auto fine = body.Parse("{\"records\":[" + esc + "," + ok + "," + esc + "]}", false, 10);
  ASSERT_FALSE(fine.has_value()) << fine->message;
  ASSERT_EQ(body.records().size(), 3u);
  EXPECT_EQ(body.Value(body.records()[2]), "\"\\u00e9\"");
}

}  // namespace
}  // namespace pinpipe::gateway
