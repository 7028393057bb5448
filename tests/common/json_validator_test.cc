#include "common/json_validator.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <random>
#include <string>

namespace pinpipe {
namespace {

bool SimdjsonDomAccepts(std::string_view text) {
  static simdjson::dom::parser parser;
  simdjson::dom::element e;
  return parser.parse(text.data(), text.size()).get(e) == simdjson::SUCCESS;
}

TEST(JsonValidatorTest, AcceptsRfc8259Texts) {
  for (std::string_view ok : {"0", "-0", "1", "-1.5e-3", "1E+2", "0.0", "1e-999", "true", "false",
                              "null", "\"\"", "\"a\\\"b\\\\c\\/\\b\\f\\n\\r\\t\"", "\"\\u0000\"",
                              "\"\\ud83d\\ude00\"", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
                              "[]", "{}", " [1, {\"a\": [true, null]}] ", "{\"a\":1,\"a\":2}",
                              "18446744073709551615", "-9223372036854775808",
                              "1.7976931348623157e308", "123456789012345678901234567890.5",
                              "\"abcdefghijklmnopqrstuvwxyz0123456789\""}) {
    EXPECT_TRUE(ValidateJson(ok)) << ok << ": " << ValidateJson(ok).reason;
    EXPECT_TRUE(SimdjsonDomAccepts(ok)) << ok;
  }
}

TEST(JsonValidatorTest, RefusesWhatALaterReaderRefuses) {
  for (std::string_view bad :
       {"", " ", "01", "-01.5", "1.", ".5", "-", "1e", "1e+", "+1", "1e999", "-1e999",
        "1.7976931348623159e308", "18446744073709551616", "-9223372036854775809",
        "123456789012345678901234567890", "tru", "nul", "True", "[1,]", "{\"a\":1,}", "[1 2]",
        "1 2", "{\"a\"}", "{a:1}", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
        "\"\\ud800x\"", "\"\\x\"", "\"\\u12\"", "\"a\tb\"", "\"\x01\"", "\"\xff\"",
        "\"\xed\xa0\x80\"", "\"\xc0\xaf\"", "\"\xe0\x80\xaf\"", "\"\xf4\x90\x80\x80\"",
        "\"abc", "[", "{", "]", "NaN", "Infinity", "[1]]", "\"\xc3\""}) {
    EXPECT_FALSE(ValidateJson(bad)) << "accepted: " << bad;
  }
}

TEST(JsonValidatorTest, NestingLimitIsJacksons1000) {
  auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_TRUE(ValidateJson(nested(1000)));
  auto v = ValidateJson(nested(1001));
  EXPECT_FALSE(v);
  EXPECT_STREQ(v.reason, "nesting too deep");
  EXPECT_FALSE(ValidateJson(nested(100000)));
  std::string objects;
  for (int i = 0; i < 1001; ++i) objects += "{\"a\":";
  objects += "1" + std::string(1001, '}');
  EXPECT_FALSE(ValidateJson(objects));
}

TEST(JsonValidatorTest, LengthLimits) {
  EXPECT_TRUE(ValidateJson("1." + std::string(998, '1')));
  EXPECT_FALSE(ValidateJson("1." + std::string(999, '1')));
  JsonLimits small;
  small.max_string_bytes = 4;
  EXPECT_TRUE(ValidateJson("\"abcd\"", small));
  EXPECT_FALSE(ValidateJson("\"abcde\"", small));
}

TEST(JsonValidatorTest, ReportsTheOffset) {
  auto v = ValidateJson("[1, 2, 01]");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.offset, 7u);
}

// Every text the validator accepts, simdjson's DOM (the sink's and json consumer's reader)
// accepts too: random mutations of valid documents.
TEST(JsonValidatorTest, NeverAcceptsWhatSimdjsonRefuses) {
  const std::string seeds[] = {
      "{\"a\":[1,2.5,-3e4,true,false,null,\"x\\u00e9\\ud83d\\ude00\"],\"b\":{\"c\":\"\xc3\xa9\"}}",
      "[0,-0.0,1e308,18446744073709551615,-9223372036854775808,\"\\\\\\\"\"]"};
  const std::string alphabet = "{}[],:\"\\ u0123456789abcdefd8dcE+-.eEtrufalsn\x01\x7f\x80\xc3\xed\xf0\xff";
  std::mt19937 rng(42);
  int accepted = 0;
  for (int round = 0; round < 200000; ++round) {
    std::string t = seeds[round % 2];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t pos = rng() % (t.size() + 1);
      switch (rng() % 3) {
        case 0: t.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
        case 1: if (pos < t.size()) t.erase(pos, 1); break;
        default: if (pos < t.size()) t[pos] = alphabet[rng() % alphabet.size()]; break;
      }
    }
    if (ValidateJson(t)) {
      ++accepted;
      ASSERT_TRUE(SimdjsonDomAccepts(t)) << "validator accepted, simdjson refused: " << t;
    }
  }
  EXPECT_GT(accepted, 1000);  // the mutations do exercise the accepting paths
}

}  // namespace
}  // namespace pinpipe
