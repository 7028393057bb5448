// Decoding of raw records: lenient numbers, ind/index, both datetime spellings, nulls, and
// the quarantine for records that cannot be decoded.
#include "pinterest/raw_decode.h"

#include <gtest/gtest.h>

#include "pinterest/timestamp.h"

namespace pinpipe::pinterest {
namespace {

RawTables Decode(RawKind kind, std::string_view ndjson) {
  RawTables t;
  RawDecoder d;
  d.Decode(kind, ndjson, &t);
  return t;
}

TEST(Timestamp, BothSpellingsAreTheSameInstant) {
  auto a = ParseTimestampMicros("2020-08-28 03:52:47");
  auto b = ParseTimestampMicros("2020-08-28T03:52:47");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(*a, 1598586767LL * 1000000);
  EXPECT_EQ(YearOfMicros(*a), 2020);
  EXPECT_EQ(FormatTimestampMicros(*a), "2020-08-28 03:52:47");
}

TEST(Timestamp, FractionAndZulu) {
  EXPECT_EQ(*ParseTimestampMicros("1970-01-01 00:00:01.5"), 1500000);
  EXPECT_EQ(*ParseTimestampMicros("1970-01-01T00:00:00.000001Z"), 1);
  EXPECT_EQ(FormatTimestampMicros(1500000), "1970-01-01 00:00:01.500000");
}

TEST(Timestamp, RejectsInvalid) {
  for (const char* s : {"", "2020-08-28", "2020-13-01 00:00:00", "2021-02-29 00:00:00",
                        "2020-08-28X03:52:47", "2020-08-28 24:00:00", "2020-08-28 03:52:47.",
                        "2020-08-28 03:52:47.1234567", "2020-08-28 03:52:47 ", "abcd-ef-gh ij:kl:mn"})
    EXPECT_FALSE(ParseTimestampMicros(s)) << s;
  EXPECT_TRUE(ParseTimestampMicros("2020-02-29 00:00:00"));
  EXPECT_EQ(YearOfMicros(*ParseTimestampMicros("1969-12-31 23:59:59")), 1969);
  EXPECT_EQ(YearOfMicros(*ParseTimestampMicros("2016-12-31 23:59:59")), 2016);
  EXPECT_EQ(YearOfMicros(*ParseTimestampMicros("2017-01-01 00:00:00")), 2017);
}

TEST(RawDecode, PinWithNumbersOrStrings) {
  auto t = Decode(RawKind::kPin,
                  R"({"index": 10794, "unique_id": "c4bd", "title": "TireBuyer", "description": "Nissan", "poster_name": "Ray", "follower_count": "437", "tag_list": "a,b", "is_image_or_video": "image", "image_src": "https://x", "downloaded": 1, "save_location": "Local save in /data/vehicles", "category": "vehicles"}
{"ind": "5", "downloaded": "0", "follower_count": 26000}
)");
  ASSERT_EQ(t.pin.size(), 2u);
  EXPECT_EQ(t.quarantine.size(), 0u);
  EXPECT_EQ(t.pin.ind[0], 10794);
  EXPECT_EQ(t.pin.title.Get(0), "TireBuyer");
  EXPECT_EQ(t.pin.downloaded.values[0], 1);
  EXPECT_EQ(t.pin.ind[1], 5);
  EXPECT_EQ(t.pin.downloaded.values[1], 0);
  EXPECT_EQ(t.pin.follower_count.Get(1), "26000");  // a number in a string field: its text
  EXPECT_TRUE(t.pin.title.IsNull(1));                // missing -> null
  EXPECT_TRUE(t.pin.category.IsNull(1));
}

TEST(RawDecode, IndOrIndexInEveryTable) {
  for (RawKind kind : {RawKind::kPin, RawKind::kGeo, RawKind::kUser}) {
    auto t = Decode(kind, "{\"ind\": 1}\n{\"index\": 2}\n{\"index\": \"3\"}\n{\"ind\": \"4\"}\n");
    EXPECT_EQ(t.quarantine.size(), 0u) << RawKindName(kind);
    const std::vector<int64_t>& ind =
        kind == RawKind::kPin ? t.pin.ind : kind == RawKind::kGeo ? t.geo.ind : t.user.ind;
    EXPECT_EQ(ind, (std::vector<int64_t>{1, 2, 3, 4})) << RawKindName(kind);
  }
}

TEST(RawDecode, IndWinsOverIndexInAnyOrder) {
  auto t = Decode(RawKind::kGeo,
                  "{\"index\": 9, \"ind\": 1}\n{\"ind\": 2, \"index\": 9}\n"
                  "{\"index\": \"bad\", \"ind\": 3}\n{\"ind\": null, \"index\": 4}\n");
  EXPECT_EQ(t.geo.ind, (std::vector<int64_t>{1, 2, 3}));
  ASSERT_EQ(t.quarantine.size(), 1u);  // ind present but null
  EXPECT_EQ(t.quarantine.reason.Get(0), "missing ind");
}

TEST(RawDecode, GeoBothDatetimeSpellingsAndNumericStrings) {
  auto t = Decode(RawKind::kGeo,
                  R"({"ind": 1, "latitude": -89.5236, "longitude": "-154.567", "country": "Cocos (Keeling) Islands", "timestamp": "2022-01-01 02:26:50"}
{"ind": "2", "latitude": "-89.5236", "longitude": -154.567, "country": null, "timestamp": "2022-01-01T02:26:50"}
)");
  ASSERT_EQ(t.geo.size(), 2u);
  EXPECT_EQ(t.geo.timestamp.values[0], t.geo.timestamp.values[1]);
  EXPECT_DOUBLE_EQ(t.geo.latitude.values[0], t.geo.latitude.values[1]);
  EXPECT_DOUBLE_EQ(t.geo.longitude.values[0], -154.567);
  EXPECT_TRUE(t.geo.country.IsNull(1));
}

TEST(RawDecode, UserAgeAsStringOrNumber) {
  auto t = Decode(RawKind::kUser,
                  R"({"ind": 1, "first_name": "Thomas", "last_name": "Turner", "age": 34, "date_joined": "2016-12-22 00:02:02"}
{"ind": 2, "first_name": "A", "last_name": "B", "age": "34", "date_joined": "2016-12-22T00:02:02"}
)");
  ASSERT_EQ(t.user.size(), 2u);
  EXPECT_EQ(t.user.age.values[0], 34);
  EXPECT_EQ(t.user.age.values[1], 34);
  EXPECT_EQ(t.user.date_joined.values[0], t.user.date_joined.values[1]);
}

TEST(RawDecode, UndecodableRecordsGoToQuarantine) {
  struct Case {
    RawKind kind;
    const char* line;
    const char* reason;
  } cases[] = {
      {RawKind::kPin, "not json", nullptr},
      {RawKind::kPin, "[1,2]", "not a JSON object"},
      {RawKind::kPin, "42", "not a JSON object"},
      {RawKind::kPin, R"({"title": "no ind"})", "missing ind"},
      {RawKind::kPin, R"({"ind": null})", "missing ind"},
      {RawKind::kPin, R"({"ind": "abc"})", "ind: not an integer"},
      {RawKind::kPin, R"({"ind": 1.5})", "ind: not an integer"},
      {RawKind::kPin, R"({"ind": 99999999999999999999})", "ind: not an integer"},
      {RawKind::kPin, R"({"index": "x"})", "index: not an integer"},
      {RawKind::kPin, R"({"ind": 1, "title": true})", "title: expected a string"},
      {RawKind::kPin, R"({"ind": 1, "title": {"a": 1}})", "title: expected a string"},
      {RawKind::kPin, R"({"ind": 1, "downloaded": "yes"})", "downloaded: not an integer"},
      {RawKind::kPin, R"({"ind": 1} trailing)", nullptr},
      {RawKind::kPin, R"({"ind": 1, "title": "unterminated)", nullptr},
      {RawKind::kGeo, R"({"ind": 1, "latitude": "north"})", "latitude: not a number"},
      {RawKind::kGeo, R"({"ind": 1, "latitude": "inf"})", "latitude: not a number"},
      {RawKind::kGeo, R"({"ind": 1, "latitude": [1]})", "latitude: expected a number"},
      {RawKind::kGeo, R"({"ind": 1, "timestamp": "2020-13-01 00:00:00"})", "timestamp: not a datetime"},
      {RawKind::kGeo, R"({"ind": 1, "timestamp": 1598586767})", "timestamp: expected a datetime string"},
      {RawKind::kUser, R"({"ind": 1, "age": "old"})", "age: not an integer"},
      {RawKind::kUser, R"({"ind": 1, "date_joined": "yesterday"})", "date_joined: not a datetime"},
  };
  for (const auto& c : cases) {
    auto t = Decode(c.kind, c.line);
    ASSERT_EQ(t.quarantine.size(), 1u) << c.line;
    EXPECT_EQ(t.quarantine.raw.Get(0), c.line);
    EXPECT_EQ(t.quarantine.table[0], c.kind);
    if (c.reason) {
      EXPECT_EQ(t.quarantine.reason.Get(0), c.reason) << c.line;
    }
    EXPECT_EQ(t.pin.size() + t.geo.size() + t.user.size(), 0u) << c.line;
  }
}

TEST(RawDecode, GoodRecordsAroundBadOnesSurviveAndBlankLinesAreSkipped) {
  RawTables t;
  RawDecoder d;
  d.Decode(RawKind::kUser, "{\"ind\":1}\r\n\n   \nnope\n{\"ind\":2}", &t);
  EXPECT_EQ(t.user.ind, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(t.quarantine.Count(RawKind::kUser), 1u);
  EXPECT_EQ(d.records(), 3u);
}

TEST(RawDecode, EscapesAndUnicode) {
  auto t = Decode(RawKind::kPin, R"({"ind":1,"title":"a\"b\\c\u00e9\n","category":"Réunion ☃"})");
  ASSERT_EQ(t.pin.size(), 1u);
  EXPECT_EQ(t.pin.title.Get(0), "a\"b\\c\xc3\xa9\n");
  EXPECT_EQ(t.pin.category.Get(0), "Réunion ☃");
}

TEST(RawDecode, EscapedKeysAreTheirUnescapedNames) {
  // Keys are read in place unless they hold an escape: both spellings name the same field.
  auto t = Decode(RawKind::kPin,
                  R"({"\u0069nd":7,"ti\u0074le":"t","category":"c","quo\"te":1,"":2,"\\":3})");
  ASSERT_EQ(t.pin.size(), 1u);
  EXPECT_EQ(t.pin.ind[0], 7);
  EXPECT_EQ(t.pin.title.Get(0), "t");
  EXPECT_EQ(t.pin.category.Get(0), "c");
  // An invalid escape in a key is invalid JSON, as before.
  auto bad = Decode(RawKind::kPin, R"({"ind":1,"ti\qle":"t"})");
  ASSERT_EQ(bad.quarantine.size(), 1u);
  EXPECT_TRUE(bad.quarantine.reason.Get(0).starts_with("invalid JSON")) << bad.quarantine.reason.Get(0);
}

TEST(RawDecode, KeysThatNearlyNameAFieldAreOtherKeys) {
  // Keys are compared with the expected field's name and its closing quote in place: a prefix,
  // an extension or a near miss of a name (also of the 17-character is_image_or_video) is
  // another key, skipped; the fields themselves in any order still decode.
  auto t = Decode(RawKind::kPin,
                  R"({"in":9,"indx":9,"ind":1,"titles":"x","titl":"y","is_image_or_videos":"z",)"
                  R"("is_image_or_vide":"w","category":"c","is_image_or_video":"image","title":"t"})");
  ASSERT_EQ(t.pin.size(), 1u);
  EXPECT_EQ(t.pin.ind[0], 1);
  EXPECT_EQ(t.pin.title.Get(0), "t");
  EXPECT_EQ(t.pin.category.Get(0), "c");
  EXPECT_EQ(t.pin.is_image_or_video.Get(0), "image");
  auto u = Decode(RawKind::kUser, R"({"index":4,"first_name":"a","first_names":"b","age":3})");
  ASSERT_EQ(u.user.size(), 1u);
  EXPECT_EQ(u.user.ind[0], 4);
  EXPECT_EQ(u.user.first_name.Get(0), "a");
  EXPECT_EQ(u.user.age.values[0], 3);
}

TEST(RawDecode, InPlaceAndRecordApis) {
  std::string buf = "{\"ind\":1}\n{\"ind\":2}\n";
  RawTables t;
  RawDecoder d;
  d.DecodeInPlace(RawKind::kGeo, &buf, &t);
  EXPECT_EQ(buf, "{\"ind\":1}\n{\"ind\":2}\n");
  d.DecodeRecord(RawKind::kGeo, "{\n\"ind\": 3\n}", &t);
  EXPECT_EQ(t.geo.ind, (std::vector<int64_t>{1, 2, 3}));
}

TEST(RawDecode, ManyRecordsAcrossDecodeWindows) {
  std::string big;
  for (int i = 0; i < 200000; ++i)
    big += "{\"ind\":" + std::to_string(i) + ",\"title\":\"" + std::string(20, 'x') + "\"}\n";
  auto t = Decode(RawKind::kPin, big);
  ASSERT_EQ(t.pin.size(), 200000u);
  EXPECT_EQ(t.pin.ind.back(), 199999);
  EXPECT_EQ(t.quarantine.size(), 0u);
}

}  // namespace
}  // namespace pinpipe::pinterest
