#include "ui/api_json.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <set>

namespace pinpipe::ui {
namespace {

simdjson::dom::element Parse(simdjson::dom::parser& p, const std::string& s) {
  simdjson::dom::element e;
  EXPECT_EQ(p.parse(s).get(e), simdjson::SUCCESS) << s;
  return e;
}

TEST(ApiJson, TopicsSumPartitionsAndCarryGroupLag) {
  TopicRow t;
  t.name = "pinterest.pin";
  t.partitions.push_back({0, 5, 15, 1000, 1, 2.5, 1700});
  t.partitions.push_back({1, 0, 7, 500, 2, NAN, -1});
  t.groups.push_back({"g1", 4});
  simdjson::dom::parser p;
  auto doc = Parse(p, TopicsJson({t}));
  auto topic = doc["topics"].at(0);
  EXPECT_EQ(std::string_view(topic["name"]), "pinterest.pin");
  EXPECT_EQ(int64_t(topic["records"]), 17);  // (15-5) + 7
  EXPECT_EQ(int64_t(topic["size_bytes"]), 1500);
  EXPECT_DOUBLE_EQ(double(topic["records_per_s"]), 2.5);  // NaN partitions are skipped
  EXPECT_EQ(int64_t(topic["last_produced_ms"]), 1700);
  EXPECT_TRUE(topic["partitions"].at(1)["records_per_s"].is_null());
  EXPECT_EQ(std::string_view(topic["groups"].at(0)["group"]), "g1");
  EXPECT_EQ(int64_t(topic["groups"].at(0)["lag"]), 4);
}

TEST(ApiJson, PayloadShowsTextJsonAndHex) {
  MessageRow m;
  m.partition = 2;
  m.offset = 9;
  m.timestamp_ms = 123;
  m.key = std::string("k\"1");
  m.value = std::string("{\"a\":1}");
  m.headers.emplace_back("h", std::nullopt);
  MessageRow bin;
  bin.value = std::string("\xff\x00\x01", 3);
  simdjson::dom::parser p;
  auto doc = Parse(p, MessagesJson("t", {m, bin}, 2, "10"));
  auto r0 = doc["records"].at(0);
  EXPECT_EQ(int64_t(r0["offset"]), 9);
  EXPECT_EQ(std::string_view(r0["key"]["text"]), "k\"1");
  EXPECT_FALSE(bool(r0["key"]["json"]));
  EXPECT_TRUE(bool(r0["value"]["json"]));
  EXPECT_EQ(std::string_view(r0["value"]["hex"]), "7b2261223a317d");
  EXPECT_TRUE(r0["headers"].at(0)["value"].is_null());
  auto r1 = doc["records"].at(1);
  EXPECT_TRUE(r1["key"].is_null());
  EXPECT_EQ(r1["value"]["text"].error(), simdjson::NO_SUCH_FIELD);  // not UTF-8: hex only
  EXPECT_EQ(std::string_view(r1["value"]["hex"]), "ff0001");
  EXPECT_EQ(int64_t(r1["value"]["size"]), 3);
  EXPECT_EQ(std::string_view(doc["next"]), "10");
}

TEST(ApiJson, HexIsCapped) {
  EXPECT_EQ(HexString("abcdef", 2), "6162");
}

TEST(ApiJson, GroupLagNeverNegativeAndUncommittedIsAll) {
  GroupRow g;
  g.group = "g";
  g.partitions.push_back({"t", 0, 10, 15});
  g.partitions.push_back({"t", 1, 20, 15});  // committed past the end (truncated log)
  g.partitions.push_back({"t", 2, -1, 7});
  EXPECT_EQ(g.total_lag(), 5 + 0 + 7);
  simdjson::dom::parser p;
  g.members = {"rest:c1 subscribed to t"};
  auto doc = Parse(p, GroupsJson({g}));
  EXPECT_EQ(int64_t(doc["groups"].at(0)["lag"]), 12);
  EXPECT_EQ(std::string_view(doc["groups"].at(0)["members"].at(0)), "rest:c1 subscribed to t");
  EXPECT_EQ(int64_t(doc["groups"].at(0)["partitions"].at(1)["lag"]), 0);
}

TEST(ApiJson, RunsCarryTasksWithRowCounts) {
  RunRow r;
  r.run.id = 3;
  r.run.dag_id = "pinterest_daily";
  r.run.state = orchestrator::RunState::kFailed;
  orchestrator::TaskInstanceRecord t;
  t.task_id = "clean_pin";
  t.state = orchestrator::TaskState::kUpstreamFailed;
  t.records_quarantined = 4;
  r.tasks.push_back(t);
  simdjson::dom::parser p;
  auto doc = Parse(p, RunsJson({r}, {"pinterest_daily"}));
  EXPECT_EQ(std::string_view(doc["dags"].at(0)), "pinterest_daily");
  auto run = doc["runs"].at(0);
  EXPECT_EQ(std::string_view(run["state"]), "failed");
  EXPECT_EQ(std::string_view(run["tasks"].at(0)["state"]), "upstream_failed");
  EXPECT_EQ(int64_t(run["tasks"].at(0)["records_quarantined"]), 4);
}

TEST(ApiJson, SeriesUsesNullForGaps) {
  SeriesPoints s;
  s.step = 1;
  s.points = {{10, 1.5f}, {11, NAN}, {12, 2}};
  JsonWriter w;
  AppendSeries(w, "x", s);
  simdjson::dom::parser p;
  auto doc = Parse(p, w.Take());
  EXPECT_EQ(int64_t(doc["t0"]), 10);
  EXPECT_TRUE(doc["values"].at(1).is_null());
  EXPECT_DOUBLE_EQ(double(doc["values"].at(2)), 2.0);
}

TEST(ApiJson, WorldMapListsEveryDatasetCountryAndItsShape) {
  simdjson::dom::parser p;
  auto doc = Parse(p, WorldMapJson());
  std::set<int64_t> shapes;
  for (auto s : doc["shapes"].get_array()) shapes.insert(int64_t(s["iso"]));
  size_t countries = 0;
  for (auto c : doc["countries"].get_array()) {
    ++countries;
    EXPECT_EQ(bool(c["shaped"]), shapes.contains(int64_t(c["iso"]))) << std::string_view(c["name"]);
  }
  EXPECT_EQ(countries, 243u);
  EXPECT_EQ(doc["palette"].get_array().size(), 12u);
}

TEST(ApiJson, SearchCarriesScannedOfTotal) {
  MessageRow r;
  r.partition = 1;
  r.offset = 7;
  r.key = "\"k7\"";
  r.value = "{}";
  simdjson::dom::parser p;
  auto doc = Parse(p, SearchJson("t", {r}, {5, 3500, 1, 4, 3500, 50, ""}));
  EXPECT_EQ(int64_t(doc["scanned"]), 5);
  EXPECT_EQ(int64_t(doc["total"]), 3500);
  EXPECT_EQ(int64_t(doc["blocks_read"]), 1);
  EXPECT_EQ(int64_t(doc["blocks_total"]), 4);
  EXPECT_EQ(int64_t(doc["indexed"]), 3500);
  EXPECT_EQ(int64_t(doc["records"].at(0)["offset"]), 7);
  EXPECT_EQ(std::string_view(doc["records"].at(0)["key"]["text"]), "\"k7\"");
  EXPECT_TRUE(doc["next"].is_null());
  auto more = Parse(p, SearchJson("t", {}, {10, 20, 1, 1, 0, 10, "0:10,1:0"}));
  EXPECT_EQ(std::string_view(more["next"]), "0:10,1:0");
  EXPECT_EQ(int64_t(more["max_scan"]), 10);
}

}  // namespace
}  // namespace pinpipe::ui
