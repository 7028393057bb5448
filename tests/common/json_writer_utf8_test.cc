// The JSON writer never emits invalid UTF-8, whatever bytes it is given (issue 14: a lake line
// with invalid UTF-8 once went raw into a Delta commit's stats and made the log unreadable).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/json_writer.h"
#include "common/utf8.h"

namespace pinpipe {
namespace {

std::string Json(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

TEST(Utf8Test, AcceptsWellFormed) {
  for (std::string_view s : {"", "ascii", "caf\xC3\xA9", "\xE6\x97\xA5\xE6\x9C\xAC",
                             "\xF0\x9F\x98\x80", "\xEF\xBF\xBF", "\xF4\x8F\xBF\xBF",
                             "\xED\x9F\xBF", "\xEE\x80\x80"}) {
    EXPECT_TRUE(IsValidUtf8(s)) << s;
  }
}

TEST(Utf8Test, RejectsIllFormed) {
  for (std::string_view s : {"\x80", "\xBF", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF",
                             "\xED\xA0\x80", "\xF0\x80\x80\xAF", "\xF4\x90\x80\x80", "\xF5\x80",
                             "\xFF", "\xC3", "\xE6\x97", "\xF0\x9F\x98", "a\xC3(b"}) {
    EXPECT_FALSE(IsValidUtf8(s)) << testing::PrintToString(s);
  }
}

TEST(Utf8Test, ReplacesMaximalSubparts) {
  // Unicode §3.9 example: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64 → a � � � b � c � � d
  EXPECT_EQ(ToValidUtf8("a\xF1\x80\x80\xE1\x80\xC2" "b\x80" "c\x80\xBF" "d"),
            "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD" "d");
  EXPECT_EQ(ToValidUtf8("ok \xC3\xA9"), "ok \xC3\xA9");
}

TEST(JsonWriterUtf8Test, KeepsValidUtf8) {
  EXPECT_EQ(Json("caf\xC3\xA9 \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
  EXPECT_EQ(Json("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
}

TEST(JsonWriterUtf8Test, ReplacesInvalidBytes) {
  EXPECT_EQ(Json("\xFF"), "\"\xEF\xBF\xBD\"");
  EXPECT_EQ(Json("x\xC3"), "\"x\xEF\xBF\xBD\"");  // truncated at the end
  EXPECT_EQ(Json("\xC0\xAF\""), "\"\xEF\xBF\xBD\xEF\xBF\xBD\\\"\"");  // overlong, then a quote
  EXPECT_EQ(Json("\xED\xA0\x80z"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz\"");  // surrogate
  EXPECT_EQ(Json("\xE6\x97\n"), "\"\xEF\xBF\xBD\\n\"");  // a cut sequence before an escape
  JsonWriter w;
  w.BeginObject().Field("k\xFE", "v\x80").EndObject();
  EXPECT_EQ(w.str(), "{\"k\xEF\xBF\xBD\":\"v\xEF\xBF\xBD\"}");
}

TEST(JsonWriterUtf8Test, RandomBytesAlwaysGiveValidUtf8) {
  std::mt19937 rng(14);
  for (int round = 0; round < 2000; ++round) {
    std::string s(rng() % 24, '\0');
    for (auto& c : s) c = static_cast<char>(rng() % 4 == 0 ? 0x80 + rng() % 0x80 : rng() % 256);
    const std::string j = Json(s);
    ASSERT_TRUE(IsValidUtf8(j)) << testing::PrintToString(s);
    ASSERT_EQ(j, Json(ToValidUtf8(s)));  // the same as escaping the repaired text
  }
}

// The writer skips plain ASCII eight bytes at a time; every byte that needs a look must be
// found wherever it sits in a word, and at the short tail. Reference: byte by byte (ASCII only).
TEST(JsonWriterUtf8Test, EveryByteNeedingEscapeIsFoundAtEveryPosition) {
  const auto reference = [](std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20) {
        static constexpr char kHex[] = "0123456789abcdef";
        const char* named = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : c == '\b' ? "\\b" : c == '\f' ? "\\f" : nullptr;
        if (named) {
          out += named;
        } else {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        }
      } else {
        out += static_cast<char>(c);
      }
    }
    return out + "\"";
  };
  for (size_t len : {1u, 7u, 8u, 9u, 15u, 16u, 17u, 31u}) {
    for (size_t pos = 0; pos < len; ++pos) {
      for (int c = 0; c < 0x80; ++c) {
        std::string s(len, 'a');
        s[pos] = static_cast<char>(c);
        ASSERT_EQ(Json(s), reference(s)) << "len " << len << " pos " << pos << " byte " << c;
      }
    }
  }
  std::string multi = "0123456789abcdef\xC3\xA9 tail";  // a UTF-8 pair after two clean words
  EXPECT_EQ(Json(multi), "\"" + multi + "\"");
}

}  // namespace
}  // namespace pinpipe
