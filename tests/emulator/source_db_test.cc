#include "emulator/source_db.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <mutex>
#include <set>

#include "emulator/db_populate.h"
#include "emulator/emulator.h"
#include "emulator/rest_proxy_poster.h"

namespace pinpipe::emulator {
namespace {

std::string TempDb(const std::string& name) {
  const std::string path = ::testing::TempDir() + "/pinpipe_emu_" + name + ".db";
  std::filesystem::remove(path);
  return "sqlite://" + path;
}

TEST(DbUrlTest, Parses) {
  auto s = ParseDbUrl("sqlite:///tmp/x.db");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->path, "/tmp/x.db");
  auto m = ParseDbUrl("mysql://root:p%40ss@127.0.0.1:3307/pinterest");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->user, "root");
  EXPECT_EQ(m->password, "p@ss");
  EXPECT_EQ(m->host, "127.0.0.1");
  EXPECT_EQ(m->port, 3307);
  EXPECT_EQ(m->database, "pinterest");
  EXPECT_EQ(m->Redacted(), "mysql://root:***@127.0.0.1:3307/pinterest");
  auto sock = ParseDbUrl("mysql://me@localhost/db?socket=/tmp/s.sock");
  ASSERT_TRUE(sock);
  EXPECT_EQ(sock->socket, "/tmp/s.sock");
  EXPECT_FALSE(ParseDbUrl("postgres://x/y"));
  EXPECT_FALSE(ParseDbUrl("mysql://host:99999/db"));
  EXPECT_FALSE(ParseDbUrl("mysql://host:3306"));
  EXPECT_EQ(DefaultDbUrl("./pinpipe-data/"), "sqlite://./pinpipe-data/source.db");
}

TEST(SourceDbTest, SqliteRoundTripMatchesTheGenerator) {
  const std::string url = TempDb("roundtrip");
  auto db = OpenSourceDb(url, true);
  ASSERT_TRUE(db) << db.error().ToString();
  ASSERT_TRUE(PopulateGenerated(**db, {.seed = 5, .rows = 300}, nullptr));
  ASSERT_TRUE((*db)->CheckTables());
  EXPECT_EQ(*(*db)->CountRows(TableId::kGeo), 300);
  EXPECT_EQ(*(*db)->MaxKey(TableId::kPin), 299);

  pinterest::DatasetGenerator gen({.seed = 5, .rows = 300});
  pinterest::GeneratedRow g;
  Row want[3] = {MakeRow(TableId::kPin), MakeRow(TableId::kGeo), MakeRow(TableId::kUser)};
  Row got = MakeRow(TableId::kPin);
  while (!gen.Done()) {
    gen.Next(&g);
    ToRows(g, &want[0], &want[1], &want[2]);
    for (TableId t : kAllTables) {
      auto found = (*db)->ReadRow(t, g.pin.index, &got);
      ASSERT_TRUE(found && *found);
      std::string a, b;
      AppendRowJson(Schema(t), want[static_cast<int>(t)], &a);
      AppendRowJson(Schema(t), got, &b);
      EXPECT_EQ(a, b);
    }
  }
  auto missing = (*db)->ReadRow(TableId::kPin, 300, &got);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
}

TEST(SourceDbTest, JsonShapesAreTheOriginals) {
  Row geo = MakeRow(TableId::kGeo);
  geo[0].SetInt(10794);
  geo[1].SetText("2022-01-01 02:26:50");
  geo[2].SetDouble(-89.5236);
  geo[3].SetDouble(-154.567);
  geo[4].SetText("Cocos (Keeling) Islands");
  std::string s;
  AppendRowJson(Schema(TableId::kGeo), geo, &s);
  EXPECT_EQ(s, R"({"ind": 10794, "latitude": -89.5236, "longitude": -154.567, "country": "Cocos (Keeling) Islands", "timestamp": "2022-01-01 02:26:50"})");
  Row user = MakeRow(TableId::kUser);
  ASSERT_TRUE(CellFromText(ColumnType::kInt, "10794", &user[0]));
  user[1].SetText("Thomas");
  user[2].SetText("Turner");
  ASSERT_TRUE(CellFromText(ColumnType::kInt, "34", &user[3]));
  ASSERT_TRUE(CellFromText(ColumnType::kDateTime, "2016-12-22T00:02:02", &user[4]));
  s.clear();
  AppendRowJson(Schema(TableId::kUser), user, &s);
  EXPECT_EQ(s, R"({"ind": 10794, "first_name": "Thomas", "last_name": "Turner", "age": 34, "date_joined": "2016-12-22 00:02:02"})");
  EXPECT_FALSE(CellFromText(ColumnType::kDateTime, "yesterday", &user[4]));
  EXPECT_FALSE(CellFromText(ColumnType::kInt, "abc", &user[3]));
}

TEST(SourceDbTest, ClearErrors) {
  auto none = OpenSourceDb(TempDb("absent"), false);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("does not exist"), std::string::npos);
  auto bad = OpenSourceDb("ftp://x/y", false);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("bad database URL"), std::string::npos);
  auto empty = OpenSourceDb(TempDb("empty"), true);
  ASSERT_TRUE(empty);
  auto st = (*empty)->CheckTables();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("has no table pinterest_data, geolocation_data, user_data"),
            std::string::npos)
      << st.error().message();
  auto unreachable = OpenSourceDb("mysql://u:p@127.0.0.1:1/db", false);
  ASSERT_FALSE(unreachable);
  EXPECT_NE(unreachable.error().message().find("cannot connect"), std::string::npos);
}

TEST(SourceDbTest, InvalidStoredValueIsReportedNotFatal) {
  const std::string url = TempDb("invalid");
  {
    auto db = OpenSourceDb(url, true);
    ASSERT_TRUE(db);
    ASSERT_TRUE(PopulateGenerated(**db, {.seed = 1, .rows = 10}, nullptr));
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(url.substr(9).c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "UPDATE user_data SET age='abc' WHERE ind=3", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  auto db = OpenSourceDb(url, false);
  ASSERT_TRUE(db);
  Row row = MakeRow(TableId::kUser);
  auto r = (*db)->ReadRow(TableId::kUser, 3, &row);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kCorruption);
  EXPECT_NE(r.error().message().find("age"), std::string::npos);
}

// A poster that records what it was given.
class RecordingPoster : public Poster {
 public:
  static inline std::mutex mu;
  static inline std::vector<std::pair<TableId, std::string>> posted;
  static inline int fail_first = 0;
  PostOutcome Post(TableId t, std::span<const std::string> values) override {
    std::lock_guard lock(mu);
    if (fail_first > 0) {
      --fail_first;
      PostOutcome o;
      o.retryable = true;
      o.status = 503;
      o.message = "HTTP 503";
      return o;
    }
    for (const auto& v : values) posted.emplace_back(t, v);
    PostOutcome ok;
    ok.ok = true;
    return ok;
  }
  std::string Describe() const override { return "recording"; }
};

TEST(EmulatorTest, PythonCompatibleOrderRetriesAndInvalidRows) {
  const std::string url = TempDb("emulate");
  {
    auto db = OpenSourceDb(url, true);
    ASSERT_TRUE(db);
    ASSERT_TRUE(PopulateGenerated(**db, {.seed = 3, .rows = 11154}, nullptr));
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(url.substr(9).c_str(), &raw), SQLITE_OK);
  // Row 5730 (the third of the original sequence) gets an invalid age.
  ASSERT_EQ(sqlite3_exec(raw, "UPDATE user_data SET age='x' WHERE ind=5730", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  RecordingPoster::posted.clear();
  RecordingPoster::fail_first = 2;
  EmulatorOptions o;
  o.db_url = url;
  o.count = 10;
  o.python_compatible = true;
  o.sleep = false;
  o.progress = false;
  o.retry_base_ms = 1;
  o.make_poster = [] { return std::make_unique<RecordingPoster>(); };
  auto stats = RunEmulator(o, nullptr);
  ASSERT_TRUE(stats) << stats.error().ToString();
  EXPECT_EQ(stats->interactions, 9);
  EXPECT_EQ(stats->invalid_rows, 1);
  EXPECT_EQ(stats->retries, 2);
  EXPECT_EQ(stats->failed, 0);
  ASSERT_EQ(RecordingPoster::posted.size(), 27u);
  const int64_t rows[] = {7528, 2863, 8304, 8731, 1313, 4315, 10794, 5494, 5069};
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(RecordingPoster::posted[3 * i].first, TableId::kPin);
    EXPECT_TRUE(RecordingPoster::posted[3 * i].second.starts_with(
        "{\"index\": " + std::to_string(rows[i]) + ", "));
    EXPECT_TRUE(RecordingPoster::posted[3 * i + 1].second.starts_with(
        "{\"ind\": " + std::to_string(rows[i]) + ", \"latitude\""));
    EXPECT_EQ(RecordingPoster::posted[3 * i + 2].first, TableId::kUser);
  }
}

TEST(EmulatorTest, BodiesAreTheRestProxyShape) {
  std::string body;
  const std::string values[] = {"{\"a\": 1}", "{\"b\": 2}"};
  RestProxyPoster::BuildBody(values, &body);
  EXPECT_EQ(body, R"({"records": [{"value": {"a": 1}}, {"value": {"b": 2}}]})");
}

}  // namespace
}  // namespace pinpipe::emulator
