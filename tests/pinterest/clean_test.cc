// The cleaning rules of domain.md §2: sentinels in each of the six columns, follower_count
// formats and overflow, save_location, the clean schemas, exact-duplicate removal in batch
// and through the persisted DedupWindow.
#include "pinterest/clean.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "pinterest/clean_rules.h"
#include "pinterest/raw_decode.h"
#include "pinterest/timestamp.h"

namespace pinpipe::pinterest {
namespace {

const char* const kSentinels[] = {"",
                                  "No description available Story format",
                                  "No description available",
                                  "User Info Error",
                                  "Image src error.",
                                  "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
                                  "No Title Data Available"};

RawTables Decode(RawKind kind, std::string_view ndjson) {
  RawTables t;
  RawDecoder d;
  d.Decode(kind, ndjson, &t);
  EXPECT_EQ(t.quarantine.size(), 0u);
  return t;
}

std::string Quote(std::string_view s) {
  std::string out = "\"";
  out += s;
  out += "\"";
  return out;
}

TEST(CleanRules, Sentinels) {
  for (const char* s : kSentinels) EXPECT_TRUE(IsSentinel(s)) << s;
  for (const char* s : {" ", "No description", "user info error", "Image src error",
                        "No Title Data Available ", "null"})
    EXPECT_FALSE(IsSentinel(s)) << s;
}

TEST(CleanRules, FollowerCountFormats) {
  EXPECT_EQ(ParseFollowerCount("437"), 437);
  EXPECT_EQ(ParseFollowerCount("0"), 0);
  EXPECT_EQ(ParseFollowerCount("26k"), 26000);
  EXPECT_EQ(ParseFollowerCount("991k"), 991000);
  EXPECT_EQ(ParseFollowerCount("1M"), 1000000);
  EXPECT_EQ(ParseFollowerCount("15M"), 15000000);
  EXPECT_EQ(ParseFollowerCount("007"), 7);
  EXPECT_EQ(ParseFollowerCount("2147483647"), 2147483647);
  EXPECT_EQ(ParseFollowerCount("2147483k"), 2147483000);
  EXPECT_EQ(ParseFollowerCount("2147M"), 2147000000);
  // int32 overflow -> null
  EXPECT_EQ(ParseFollowerCount("2147483648"), std::nullopt);
  EXPECT_EQ(ParseFollowerCount("2147484k"), std::nullopt);
  EXPECT_EQ(ParseFollowerCount("2148M"), std::nullopt);
  EXPECT_EQ(ParseFollowerCount("99999999999999999999999"), std::nullopt);
  // anything else -> null
  for (const char* s : {"", "User Info Error", "k", "M", "12.5k", "-5", " 7", "7 ", "7K", "7m",
                        "7kk", "1e3", "+7", "abc"})
    EXPECT_EQ(ParseFollowerCount(s), std::nullopt) << s;
}

TEST(CleanRules, SaveLocation) {
  EXPECT_EQ(StripSaveLocation("Local save in /data/vehicles"), "/data/vehicles");
  EXPECT_EQ(StripSaveLocation("/data/vehicles"), "/data/vehicles");
  EXPECT_EQ(StripSaveLocation("local save in /x"), "local save in /x");
  EXPECT_EQ(StripSaveLocation("Local save in "), "");
}

TEST(CleanPins, EachSentinelInEachColumnBecomesNull) {
  const char* const cols[] = {"title", "description", "poster_name", "follower_count",
                              "tag_list", "image_src"};
  std::string nd;
  int ind = 0;
  for (const char* col : cols)
    for (const char* s : kSentinels)
      nd += "{\"ind\":" + std::to_string(ind++) + ",\"" + col + "\":" + Quote(s) +
            ",\"category\":\"" + col + "\"}\n";
  auto raw = Decode(RawKind::kPin, nd);
  CleanPinTable t = CleanPins(std::move(raw.pin));
  ASSERT_EQ(t.size(), 6u * 7u);
  for (size_t i = 0; i < t.size(); ++i) {
    EXPECT_TRUE(t.title.IsNull(i));  // all missing or sentinel
    EXPECT_TRUE(t.description.IsNull(i));
    EXPECT_TRUE(t.poster_name.IsNull(i));
    EXPECT_TRUE(t.follower_count.IsNull(i));
    EXPECT_TRUE(t.tag_list.IsNull(i));
    EXPECT_TRUE(t.image_src.IsNull(i));
  }
}

TEST(CleanPins, NonSentinelValuesSurviveAndOtherColumnsKeepSentinelText) {
  auto raw = Decode(
      RawKind::kPin,
      R"({"index": 10794, "unique_id": "c4bd", "title": "TireBuyer", "description": "Nissan GT-R. Sick.", "poster_name": "Ray Uyemura", "follower_count": "437", "tag_list": "Lowrider,Old", "is_image_or_video": "User Info Error", "image_src": "https://i.pinimg.com/x.jpg", "downloaded": 1, "save_location": "Local save in /data/vehicles", "category": "vehicles"}
{"ind": 1, "follower_count": "26k", "save_location": "/data/art", "category": ""}
{"ind": 2, "follower_count": "3M"}
{"ind": 3, "follower_count": "2147483648"}
{"ind": 4, "follower_count": "12.5k"}
{"ind": 5, "follower_count": 437}
)");
  CleanPinTable t = CleanPins(std::move(raw.pin));
  ASSERT_EQ(t.size(), 6u);
  EXPECT_EQ(t.ind[0], 10794);
  EXPECT_EQ(t.unique_id.Get(0), "c4bd");
  EXPECT_EQ(t.title.Get(0), "TireBuyer");
  EXPECT_EQ(t.description.Get(0), "Nissan GT-R. Sick.");
  EXPECT_EQ(t.poster_name.Get(0), "Ray Uyemura");
  EXPECT_EQ(t.follower_count.values[0], 437);
  EXPECT_EQ(t.tag_list.Get(0), "Lowrider,Old");
  EXPECT_EQ(t.is_image_or_video.Get(0), "User Info Error");  // not one of the six columns
  EXPECT_EQ(t.image_src.Get(0), "https://i.pinimg.com/x.jpg");
  EXPECT_EQ(t.save_location.Get(0), "/data/vehicles");
  EXPECT_EQ(t.category.Get(0), "vehicles");
  EXPECT_EQ(t.follower_count.values[1], 26000);
  EXPECT_EQ(t.save_location.Get(1), "/data/art");
  EXPECT_EQ(t.category.Get(1), "");  // "" is a sentinel only in the six columns
  EXPECT_TRUE(t.category.IsValid(1));
  EXPECT_EQ(t.follower_count.values[2], 3000000);
  EXPECT_TRUE(t.follower_count.IsNull(3));
  EXPECT_TRUE(t.follower_count.IsNull(4));
  EXPECT_EQ(t.follower_count.values[5], 437);  // JSON number in the string field
}

TEST(CleanPins, Schema) {
  std::string names;
  for (const auto& c : CleanPinTable::Schema())
    names += std::string(c.name) + " " + std::string(ColumnTypeName(c.type)) + ", ";
  EXPECT_EQ(names,
            "ind long, unique_id string, title string, description string, follower_count "
            "integer, poster_name string, tag_list string, is_image_or_video string, image_src "
            "string, save_location string, category string, ");
  names.clear();
  for (const auto& c : CleanGeoTable::Schema())
    names += std::string(c.name) + " " + std::string(ColumnTypeName(c.type)) + ", ";
  EXPECT_EQ(names, "ind long, country string, coordinates array<double>, timestamp timestamp, ");
  names.clear();
  for (const auto& c : CleanUserTable::Schema())
    names += std::string(c.name) + " " + std::string(ColumnTypeName(c.type)) + ", ";
  EXPECT_EQ(names, "ind long, user_name string, age integer, date_joined timestamp, ");
}

TEST(CleanPins, ExactDuplicatesRemovedOverDecodedValues) {
  // Rows 0, 1, 2 are the same row spelled differently (ind/index, numbers as strings);
  // row 3 differs only in a raw sentinel that cleans to the same null: it is kept.
  auto raw = Decode(RawKind::kPin,
                    R"({"ind": 1, "title": "a", "downloaded": 1, "follower_count": "5k"}
{"index": "1", "title": "a", "downloaded": "1", "follower_count": "5k"}
{"downloaded": 1, "follower_count": "5k", "title": "a", "ind": 1}
{"ind": 1, "title": "", "downloaded": 1, "follower_count": "5k"}
{"ind": 1, "title": "No Title Data Available", "downloaded": 1, "follower_count": "5k"}
{"ind": 1, "title": null, "downloaded": 1, "follower_count": "5k"}
{"ind": 1, "downloaded": 1, "follower_count": "5k"}
{"ind": 2, "title": "a", "downloaded": 1, "follower_count": "5k"}
)");
  CleanStats stats;
  CleanPinTable t = CleanPins(std::move(raw.pin), nullptr, &stats);
  EXPECT_EQ(stats.input_rows, 8u);
  EXPECT_EQ(stats.duplicates, 3u);  // rows 1, 2 and the missing-title twin of the null row
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t.ind, (std::vector<int64_t>{1, 1, 1, 1, 2}));
  EXPECT_EQ(t.title.Get(0), "a");
  EXPECT_TRUE(t.title.IsNull(1) && t.title.IsNull(2) && t.title.IsNull(3));
  EXPECT_EQ(t.follower_count.values[4], 5000);
}

TEST(CleanPins, FingerprintsExtendedPerObjectEqualTheWholeTableAndGiveTheSameResult) {
  // The batch reader fingerprints after each decoded object; the result must not depend on it.
  const std::string a = R"({"ind": 1, "title": "a", "downloaded": 1, "follower_count": "5k"}
{"ind": 2, "title": "b", "downloaded": 0, "follower_count": "7"}
)";
  const std::string b = R"({"index": "1", "title": "a", "downloaded": "1", "follower_count": "5k"}
{"ind": 3, "title": null, "downloaded": 1, "follower_count": "1M"}
)";
  RawTables t;
  RawDecoder d;
  d.Decode(RawKind::kPin, a, &t);
  ExtendFingerprints(RawKind::kPin, &t);
  d.Decode(RawKind::kPin, b, &t);
  ExtendFingerprints(RawKind::kPin, &t);
  ASSERT_EQ(t.pin.fingerprints.size(), 4u);
  EXPECT_EQ(t.pin.fingerprints, PinFingerprints(t.pin));
  EXPECT_EQ(t.pin.fingerprints[0], t.pin.fingerprints[2]);  // the same row spelled twice
  RawTables plain;
  d.Decode(RawKind::kPin, a + b, &plain);
  CleanStats s1, s2;
  CleanPinTable with = CleanPins(std::move(t.pin), nullptr, &s1);
  CleanPinTable without = CleanPins(std::move(plain.pin), nullptr, &s2);
  EXPECT_EQ(s1.duplicates, 1u);
  EXPECT_EQ(s2.duplicates, 1u);
  EXPECT_EQ(with.ind, without.ind);
  EXPECT_EQ(with.follower_count.values, without.follower_count.values);
}

TEST(CleanGeos, CoordinatesTimestampAndDedup) {
  auto raw = Decode(RawKind::kGeo,
                    R"({"ind": 1, "latitude": -89.5236, "longitude": -154.567, "country": "Aruba", "timestamp": "2022-01-01 02:26:50"}
{"index": "1", "latitude": "-89.5236", "longitude": "-154.567", "country": "Aruba", "timestamp": "2022-01-01T02:26:50"}
{"ind": 2, "latitude": -0.0, "country": "Aruba"}
{"ind": 2, "latitude": 0, "country": "Aruba"}
)");
  CleanStats stats;
  CleanGeoTable t = CleanGeos(std::move(raw.geo), nullptr, &stats);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(stats.duplicates, 2u);
  EXPECT_DOUBLE_EQ(t.latitude.values[0], -89.5236);
  EXPECT_DOUBLE_EQ(t.longitude.values[0], -154.567);
  EXPECT_EQ(t.timestamp.values[0], *ParseTimestampMicros("2022-01-01 02:26:50"));
  EXPECT_EQ(t.country.Get(0), "Aruba");
  EXPECT_TRUE(t.longitude.IsNull(1));
  EXPECT_TRUE(t.timestamp.IsNull(1));
}

TEST(CleanUsers, UserNameAgeDateJoined) {
  auto raw = Decode(RawKind::kUser,
                    R"({"ind": 10794, "first_name": "Thomas", "last_name": "Turner", "age": 34, "date_joined": "2016-12-22 00:02:02"}
{"ind": 1, "first_name": "Zoë", "last_name": null, "age": "3000000000"}
{"ind": 2, "last_name": "X", "age": "20", "date_joined": "2016-12-22T00:02:02"}
{"ind": 10794, "first_name": "Thomas", "last_name": "Turner", "age": "34", "date_joined": "2016-12-22T00:02:02"}
)");
  CleanUserTable t = CleanUsers(std::move(raw.user));
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t.user_name.Get(0), "Thomas Turner");
  EXPECT_EQ(t.age.values[0], 34);
  EXPECT_EQ(t.date_joined.values[0], *ParseTimestampMicros("2016-12-22 00:02:02"));
  EXPECT_TRUE(t.user_name.IsNull(1));  // concat with a null part is null
  EXPECT_TRUE(t.age.IsNull(1));        // outside int32
  EXPECT_TRUE(t.date_joined.IsNull(1));
  EXPECT_TRUE(t.user_name.IsNull(2));
  EXPECT_EQ(t.age.values[2], 20);
}

TEST(DedupWindow, StreamDedupAcrossBatchesAndRestart) {
  DedupWindow window(100);
  auto batch1 = Decode(RawKind::kUser, "{\"ind\":1,\"age\":20}\n{\"ind\":2}\n{\"ind\":1,\"age\":20}\n");
  CleanStats s1;
  auto t1 = CleanUsers(std::move(batch1.user), &window, &s1);
  EXPECT_EQ(t1.size(), 2u);
  EXPECT_EQ(s1.duplicates, 1u);
  // Persist, restore, and the next micro-batch still sees the earlier rows.
  auto restored = DedupWindow::Deserialize(window.Serialize());
  ASSERT_TRUE(restored.has_value());
  EXPECT_EQ(restored->size(), 2u);
  auto batch2 = Decode(RawKind::kUser, "{\"index\":\"1\",\"age\":\"20\"}\n{\"ind\":3}\n");
  auto t2 = CleanUsers(std::move(batch2.user), &*restored);
  ASSERT_EQ(t2.size(), 1u);
  EXPECT_EQ(t2.ind[0], 3);
}

TEST(DedupWindow, EvictsOldestWhenFull) {
  DedupWindow w(3);
  auto fp = [](uint64_t i) { return Fingerprint{i * 0x9e3779b97f4a7c15ull + 1, i}; };
  for (uint64_t i = 0; i < 5; ++i) EXPECT_TRUE(w.Insert(fp(i)));
  EXPECT_EQ(w.size(), 3u);
  EXPECT_FALSE(w.Contains(fp(0)));
  EXPECT_FALSE(w.Contains(fp(1)));
  EXPECT_TRUE(w.Contains(fp(2)) && w.Contains(fp(3)) && w.Contains(fp(4)));
  EXPECT_FALSE(w.Insert(fp(4)));
  EXPECT_TRUE(w.Insert(fp(0)));  // evicted, so new again
  EXPECT_FALSE(w.Contains(fp(2)));
  // Round trip keeps order (oldest first) and a smaller capacity keeps the newest.
  auto small = DedupWindow::Deserialize(w.Serialize(), 2);
  ASSERT_TRUE(small.has_value());
  EXPECT_EQ(small->size(), 2u);
  EXPECT_TRUE(small->Contains(fp(4)) && small->Contains(fp(0)));
  EXPECT_FALSE(small->Contains(fp(3)));
}

// The window is first-in first-out over distinct rows: a duplicate that is dropped does not
// make its row younger, so the row still leaves the window after `capacity` newer ones.
TEST(DedupWindow, DuplicateDoesNotRefreshItsAge) {
  DedupWindow w(3);
  auto fp = [](uint64_t i) { return Fingerprint{i * 0x9e3779b97f4a7c15ull + 7, ~i}; };
  EXPECT_TRUE(w.Insert(fp(1)));
  EXPECT_TRUE(w.Insert(fp(2)));
  EXPECT_FALSE(w.Insert(fp(1)));  // within the window: dropped
  EXPECT_TRUE(w.Insert(fp(3)));
  EXPECT_TRUE(w.Insert(fp(4)));   // evicts 1, the oldest by first arrival
  EXPECT_EQ(w.size(), 3u);
  EXPECT_FALSE(w.Contains(fp(1)));
  EXPECT_TRUE(w.Contains(fp(2)) && w.Contains(fp(3)) && w.Contains(fp(4)));
  EXPECT_TRUE(w.Insert(fp(1)));   // further back than the window: kept
  EXPECT_FALSE(w.Contains(fp(2)));
}

// A round trip at the same capacity after the ring wrapped keeps the eviction order, and one
// into a larger capacity keeps every row and evicts only once the larger window is full.
TEST(DedupWindow, RoundTripKeepsEvictionOrder) {
  auto fp = [](uint64_t i) { return Fingerprint{i * 0x9e3779b97f4a7c15ull + 3, i + 11}; };
  DedupWindow w(3);
  for (uint64_t i = 0; i < 5; ++i) ASSERT_TRUE(w.Insert(fp(i)));  // holds 2, 3, 4
  auto same = DedupWindow::Deserialize(w.Serialize());
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->capacity(), 3u);
  EXPECT_EQ(same->size(), 3u);
  EXPECT_EQ(same->Serialize(), w.Serialize());
  EXPECT_FALSE(same->Insert(fp(3)));  // a duplicate stays a duplicate
  EXPECT_TRUE(same->Insert(fp(5)));   // evicts 2, the oldest before the round trip
  EXPECT_FALSE(same->Contains(fp(2)));
  EXPECT_TRUE(same->Contains(fp(3)) && same->Contains(fp(4)) && same->Contains(fp(5)));
  EXPECT_TRUE(same->Insert(fp(6)));   // then 3
  EXPECT_FALSE(same->Contains(fp(3)));
  EXPECT_TRUE(same->Contains(fp(4)));

  auto big = DedupWindow::Deserialize(w.Serialize(), 5);
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ(big->capacity(), 5u);
  EXPECT_EQ(big->size(), 3u);
  EXPECT_TRUE(big->Insert(fp(5)));
  EXPECT_TRUE(big->Insert(fp(6)));
  EXPECT_TRUE(big->Contains(fp(2)));  // nothing evicted yet: 2..6 fill the window
  EXPECT_FALSE(big->Insert(fp(2)));
  EXPECT_TRUE(big->Insert(fp(7)));    // full: evicts 2
  EXPECT_FALSE(big->Contains(fp(2)));
  EXPECT_TRUE(big->Contains(fp(3)));

  // Shrinking keeps the newest (3 of 5: 4, 5, 6 after the same inserts), oldest first.
  DedupWindow full(5);
  for (uint64_t i = 2; i < 7; ++i) ASSERT_TRUE(full.Insert(fp(i)));
  auto small = DedupWindow::Deserialize(full.Serialize(), 3);
  ASSERT_TRUE(small.has_value());
  EXPECT_EQ(small->size(), 3u);
  EXPECT_FALSE(small->Contains(fp(2)) || small->Contains(fp(3)));
  EXPECT_TRUE(small->Insert(fp(7)));  // evicts 4, the oldest kept
  EXPECT_FALSE(small->Contains(fp(4)));
  EXPECT_TRUE(small->Contains(fp(5)) && small->Contains(fp(6)) && small->Contains(fp(7)));
}

TEST(DedupWindow, ZeroFingerprintAndManyEvictions) {
  DedupWindow w(1000);
  EXPECT_TRUE(w.Insert(Fingerprint{0, 0}));
  EXPECT_FALSE(w.Insert(Fingerprint{0, 0}));
  for (uint64_t i = 1; i < 50000; ++i) ASSERT_TRUE(w.Insert(Fingerprint{i * 7919, i}));
  EXPECT_EQ(w.size(), 1000u);
  for (uint64_t i = 49000; i < 50000; ++i) ASSERT_TRUE(w.Contains(Fingerprint{i * 7919, i}));
  for (uint64_t i = 1; i < 49000; ++i) ASSERT_FALSE(w.Contains(Fingerprint{i * 7919, i}));
}

TEST(DedupWindow, RejectsCorruptBytes) {
  DedupWindow w(4);
  w.Insert(Fingerprint{1, 2});
  std::string bytes = w.Serialize();
  EXPECT_FALSE(DedupWindow::Deserialize("garbage").has_value());
  std::string flipped = bytes;
  flipped[20] ^= 1;
  EXPECT_FALSE(DedupWindow::Deserialize(flipped).has_value());
  EXPECT_FALSE(DedupWindow::Deserialize(bytes.substr(0, bytes.size() - 1)).has_value());
  EXPECT_TRUE(DedupWindow::Deserialize(bytes).has_value());
}

TEST(Fingerprint, NullDiffersFromEmptyAndFieldsAreDelimited) {
  auto fp = [](auto&& f) {
    RowHasher h;
    f(h);
    return h.Finish();
  };
  EXPECT_NE(fp([](RowHasher& h) { h.AddNull(); }), fp([](RowHasher& h) { h.AddString(""); }));
  EXPECT_NE(fp([](RowHasher& h) { h.AddString("ab"); h.AddString("c"); }),
            fp([](RowHasher& h) { h.AddString("a"); h.AddString("bc"); }));
  EXPECT_EQ(fp([](RowHasher& h) { h.AddDouble(-0.0); }), fp([](RowHasher& h) { h.AddDouble(0.0); }));
  EXPECT_NE(fp([](RowHasher& h) { h.AddInt(1); }), fp([](RowHasher& h) { h.AddInt(2); }));
  EXPECT_NE(fp([](RowHasher& h) { h.AddString(std::string(40, 'a')); }),
            fp([](RowHasher& h) { h.AddString(std::string(40, 'a') + '\0'); }));
}

// DedupWindow checkpoints persist fingerprints, so the string hash must not change between
// versions: a duplicate arriving across an upgrade would pass. Every tail length (0..47), high
// bytes and zero bytes, each string in an allocation of exactly its size (so that a sanitizer
// sees any read past the end). The digest was computed by the implementation that copied each
// tail into a zeroed buffer.
TEST(Fingerprint, StringHashesAreStableAcrossVersions) {
  RowHasher all;
  for (size_t n = 0; n < 48; ++n) {
    std::unique_ptr<char[]> bytes(new char[n]);
    for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<char>((i * 37 + n * 11 + 200) % 256);
    if (n > 5) bytes[n / 2] = '\0';
    RowHasher h;
    h.AddString(std::string_view(bytes.get(), n));
    const Fingerprint fp = h.Finish();
    all.AddInt(static_cast<int64_t>(fp.lo));
    all.AddInt(static_cast<int64_t>(fp.hi));
  }
  const Fingerprint digest = all.Finish();
  EXPECT_EQ(digest.lo, 14694661642472732292ull);
  EXPECT_EQ(digest.hi, 14326105509600970482ull);
}

TEST(FingerprintSet, ReserveKeepsMembersAndDedupByChunksEqualsOneShot) {
  std::vector<Fingerprint> fps;
  for (uint64_t i = 1; i <= 5000; ++i) fps.push_back({i * 0x9e3779b97f4a7c15ull, i % 7});
  for (size_t i = 0; i < 5000; i += 3) fps.push_back(fps[i]);  // duplicates, later
  fps.push_back({0, 0});                                         // the empty-slot value
  fps.push_back({0, 0});
  FingerprintSet set;
  for (size_t i = 0; i < 100; ++i) EXPECT_TRUE(set.Insert(fps[i]));
  set.Reserve(100000);
  for (size_t i = 0; i < 100; ++i) EXPECT_FALSE(set.Insert(fps[i])) << i;
  set.Reserve(10);  // never shrinks
  EXPECT_TRUE(set.Contains(fps[99]));
  EXPECT_EQ(set.size(), 100u);

  // Chunks of 1 to 997 rows (prefetching across each chunk's end) against one pass.
  RowIds whole;
  {
    FingerprintSet one;
    for (size_t i = 0; i < fps.size(); ++i)
      if (one.Insert(fps[i])) whole.push_back(static_cast<uint32_t>(i));
  }
  EXPECT_EQ(whole.size(), 5001u);
  for (size_t chunk : {size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{997}}) {
    FingerprintSet seen;
    RowIds kept;
    CleanStats stats;
    for (size_t b = 0; b < fps.size(); b += chunk) {
      const std::vector<Fingerprint> part(fps.begin() + static_cast<ptrdiff_t>(b),
                                          fps.begin() + static_cast<ptrdiff_t>(std::min(fps.size(), b + chunk)));
      const std::optional<RowIds> keep = DeduplicateChunk(part, seen, &stats);
      for (size_t k = 0; k < part.size(); ++k)
        if (!keep || std::find(keep->begin(), keep->end(), k) != keep->end())
          kept.push_back(static_cast<uint32_t>(b + k));
    }
    EXPECT_EQ(kept, whole) << chunk;
    EXPECT_EQ(stats.duplicates, fps.size() - 5001u) << chunk;
  }
}

}  // namespace
}  // namespace pinpipe::pinterest
