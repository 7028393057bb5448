// The batch tasks on small raw objects in a temporary local lake: manifest contents, the
// exact schemas and rows of the clean Delta tables, quarantine, analytics outputs, and
// identical tables after a rerun for the same date.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "batch/manifest.h"
#include "batch/raw_gen.h"
#include "batch/table_reader.h"
#include "batch/tasks.h"
#include "lake/delta_rows.h"
#include "lake/delta_schema.h"
#include "lake/delta_snapshot.h"
#include "lake/delta_storage.h"
#include "objstore/open_object_store.h"

namespace pinpipe::batch {
namespace {

namespace fs = std::filesystem;
using pinterest::RawKind;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/pinpipe_batch_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteFile(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Rows of a Delta table as JSON arrays, in table order.
std::vector<std::string> Rows(const std::string& dir, int64_t* version = nullptr) {
  auto storage = lake::NewLocalTableStorage(dir);
  auto snap = lake::Snapshot::Load(*storage);
  EXPECT_TRUE(snap.has_value()) << dir << ": " << (snap ? "" : snap.error().message());
  if (!snap) return {};
  if (version) *version = snap->version();
  std::vector<std::string> rows;
  EXPECT_TRUE(lake::ForEachRow(*storage, *snap, 0, [&](const lake::RowView& r) {
    std::string line = "[";
    for (size_t c = 0; c < r.num_columns(); ++c) {
      if (c) line += ",";
      if (r.IsNull(c)) line += "null";
      else r.AppendJson(c, &line);
    }
    rows.push_back(line + "]");
    return true;
  }));
  return rows;
}

std::string SchemaJson(const std::string& dir) {
  auto storage = lake::NewLocalTableStorage(dir);
  auto snap = lake::Snapshot::Load(*storage);
  if (!snap) return "";
  return lake::DeltaSchemaToJson(snap->schema());
}

class BatchTasksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lake_ = dir_.path() + "/lake";
    settings_.lake_uri = lake_;
    settings_.data_dir = dir_.path();
    settings_.pipeline_id = "pinterest";
    settings_.topics_dir = "topics";
    settings_.quiet = true;
    settings_.threads = 3;
    const std::string pin = "topics/pinterest.pin/partition=0/";
    // Two objects in partition 0 (written out of order), one in partition 10 and one in 2:
    // the manifest orders them by partition number, then start offset.
    WriteFile(lake_ + "/" + pin + "pinterest.pin+0+0000000002.json",
              R"({"index":2,"unique_id":"u2","title":"No Title Data Available","description":"d2","poster_name":"Ann","follower_count":"26k","tag_list":"a,b","is_image_or_video":"image","image_src":"Image src error.","downloaded":1,"save_location":"Local save in /data/art","category":"art"})" "\n"
              R"({"index":2,"unique_id":"u2","title":"No Title Data Available","description":"d2","poster_name":"Ann","follower_count":"26k","tag_list":"a,b","is_image_or_video":"image","image_src":"Image src error.","downloaded":1,"save_location":"Local save in /data/art","category":"art"})" "\n");
    WriteFile(lake_ + "/" + pin + "pinterest.pin+0+0000000000.json",
              R"({"index":1,"unique_id":"u1","title":"t1","description":"No description available","poster_name":"Bob","follower_count":"1M","tag_list":"x","is_image_or_video":"video","image_src":"https://i.pinimg.com/a.jpg","downloaded":0,"save_location":"Local save in /data/travel","category":"travel"})" "\n"
              "not json at all\n");
    WriteFile(lake_ + "/topics/pinterest.pin/partition=10/pinterest.pin+10+0000000000.json",
              R"({"ind":"3","unique_id":"u3","title":"t3","description":"d3","poster_name":"User Info Error","follower_count":"User Info Error","tag_list":"N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e","is_image_or_video":"image","image_src":"s3","downloaded":"1","save_location":"Local save in /data/art","category":"art"})" "\n");
    WriteFile(lake_ + "/topics/pinterest.pin/partition=2/pinterest.pin+2+0000000000.json",
              R"({"index":4,"unique_id":"u4","title":"t4","description":"d4","poster_name":"Cy","follower_count":"437","tag_list":"q","is_image_or_video":"image","image_src":"s4","downloaded":1,"save_location":"/elsewhere","category":"travel"})" "\n");
    WriteFile(lake_ + "/topics/pinterest.geo/partition=0/pinterest.geo+0+0000000000.json",
              R"({"ind":1,"timestamp":"2020-08-28 03:52:47","latitude":-89.5,"longitude":12.25,"country":"Albania"})" "\n"
              R"({"ind":2,"timestamp":"2019-01-01T00:00:00","latitude":"10.5","longitude":null,"country":"Aruba"})" "\n"
              R"({"ind":2,"timestamp":"2019-01-01 00:00:00","latitude":10.5,"longitude":null,"country":"Aruba"})" "\n"
              R"({"ind":3,"timestamp":"2021-05-05 10:00:00","latitude":1,"longitude":2,"country":"Albania"})" "\n"
              R"({"ind":4,"timestamp":"2018-02-02 02:02:02","latitude":3,"longitude":4,"country":"Aruba"})" "\n"
              R"({"timestamp":"2018-02-02 02:02:02"})" "\n");
    WriteFile(lake_ + "/topics/pinterest.user/partition=0/pinterest.user+0+0000000000.json",
              R"({"ind":1,"first_name":"Ann","last_name":"Lee","age":22,"date_joined":"2016-12-22 00:02:02"})" "\n"
              R"({"ind":2,"first_name":"Bob","last_name":"Ray","age":"40","date_joined":"2015-11-01T10:00:00"})" "\n"
              R"({"index":3,"first_name":"Cy","last_name":null,"age":61,"date_joined":"2017-01-01 00:00:00"})" "\n"
              R"({"ind":4,"first_name":"Di","last_name":"Fox","age":30,"date_joined":"2016-03-03 03:03:03"})" "\n");
    // Not part of the pipeline's topics, and not a .json object: ignored.
    WriteFile(lake_ + "/topics/other.pin/partition=0/other.pin+0+0000000000.json", "{}\n");
    WriteFile(lake_ + "/topics/pinterest.pin/partition=0/notes.txt", "x\n");
  }

  orchestrator::TaskContext Ctx(const std::string& task) const {
    orchestrator::TaskContext ctx;
    ctx.dag_id = "pinterest_batch";
    ctx.task_id = task;
    ctx.run_id = "test";
    ctx.logical_date = "2026-11-21";
    return ctx;
  }

  void RunAll() {
    auto load = RunLoad(settings_, Ctx("load"));
    ASSERT_TRUE(load.has_value()) << load.error().message();
    for (RawKind k : {RawKind::kPin, RawKind::kGeo, RawKind::kUser}) {
      auto clean = RunClean(settings_, k, Ctx("clean"));
      ASSERT_TRUE(clean.has_value()) << clean.error().message();
      stats_[static_cast<size_t>(k)] = *clean;
    }
    auto analyze = RunAnalyze(settings_, Ctx("analyze"));
    ASSERT_TRUE(analyze.has_value()) << analyze.error().message();
  }

  TempDir dir_;
  std::string lake_;
  BatchSettings settings_;
  orchestrator::TaskStats stats_[3];
};

TEST_F(BatchTasksTest, ManifestListsTheTopicsObjectsInOrder) {
  auto load = RunLoad(settings_, Ctx("load"));
  ASSERT_TRUE(load.has_value()) << load.error().message();
  EXPECT_EQ(load->records_out, 6);
  auto store = objstore::OpenObjectStore(lake_);
  ASSERT_TRUE(store.has_value());
  auto m = ReadManifest(**store, "pinterest_batch", "2026-11-21");
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_TRUE(fs::exists(lake_ + "/manifests/pinterest_batch/2026-11-21.json"));
  EXPECT_EQ(m->logical_date, "2026-11-21");
  EXPECT_EQ(m->of(RawKind::kPin).topic, "pinterest.pin");
  std::vector<std::string> keys;
  for (const auto& o : m->of(RawKind::kPin).objects) {
    keys.push_back(o.key);
    EXPECT_EQ(o.size, fs::file_size(lake_ + "/" + o.key));
    EXPECT_GT(o.mtime_ms, 0);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "topics/pinterest.pin/partition=0/pinterest.pin+0+0000000000.json",
                      "topics/pinterest.pin/partition=0/pinterest.pin+0+0000000002.json",
                      "topics/pinterest.pin/partition=2/pinterest.pin+2+0000000000.json",
                      "topics/pinterest.pin/partition=10/pinterest.pin+10+0000000000.json"}));
  EXPECT_EQ(m->of(RawKind::kGeo).objects.size(), 1u);
  EXPECT_EQ(m->of(RawKind::kUser).objects.size(), 1u);
  // Round trip of the encoding.
  auto again = DecodeManifest(EncodeManifest(*m));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *m);
  // Clean without a manifest for another date: a clear error.
  auto ctx = Ctx("clean_pin");
  ctx.logical_date = "2026-11-22";
  auto missing = RunClean(settings_, RawKind::kPin, ctx);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message().find("run the load task"), std::string::npos);
}

TEST_F(BatchTasksTest, CleanTablesHaveTheExactSchemasAndRows) {
  RunAll();
  const std::string delta = lake_ + "/delta/";
  EXPECT_EQ(SchemaJson(delta + "pin"),
            R"({"type":"struct","fields":[{"name":"ind","type":"long","nullable":true,"metadata":{}},)"
            R"({"name":"unique_id","type":"string","nullable":true,"metadata":{}},)"
            R"({"name":"title","type":"string","nullable":true,"metadata":{}},)"
            R"({"name":"description","type":"string","nullable":true,"metadata":{}},)"
            R"({"name":"follower_count","type":"integer","nullable":true,"metadata":{}},)"
            R"({"name":"poster_name","type":"string","nullable":true,"metadata":{}},)"
            R"({"name":"tag_list","type":"string","nullable":true,"metadata":{}},)"
            R"({"name":"is_image_or_video","type":"string","nullable":true,"metadata":{}},)"
            R"({"name":"image_src","type":"string","nullable":true,"metadata":{}},)"
            R"({"name":"save_location","type":"string","nullable":true,"metadata":{}},)"
            R"({"name":"category","type":"string","nullable":true,"metadata":{}}]})");
  EXPECT_EQ(SchemaJson(delta + "geo"),
            R"({"type":"struct","fields":[{"name":"ind","type":"long","nullable":true,"metadata":{}},)"
            R"({"name":"country","type":"string","nullable":true,"metadata":{}},)"
            R"({"name":"coordinates","type":{"type":"array","elementType":"double","containsNull":true},"nullable":true,"metadata":{}},)"
            R"({"name":"timestamp","type":"timestamp","nullable":true,"metadata":{}}]})");
  EXPECT_EQ(SchemaJson(delta + "user"),
            R"({"type":"struct","fields":[{"name":"ind","type":"long","nullable":true,"metadata":{}},)"
            R"({"name":"user_name","type":"string","nullable":true,"metadata":{}},)"
            R"({"name":"age","type":"integer","nullable":true,"metadata":{}},)"
            R"({"name":"date_joined","type":"timestamp","nullable":true,"metadata":{}}]})");

  // Manifest order (partition 0: offsets 0 then 2; partition 2; partition 10), the duplicate
  // of ind 2 dropped, sentinels null, k/M converted, save_location trimmed.
  EXPECT_EQ(Rows(delta + "pin"),
            (std::vector<std::string>{
                R"([1,"u1","t1",null,1000000,"Bob","x","video","https://i.pinimg.com/a.jpg","/data/travel","travel"])",
                R"([2,"u2",null,"d2",26000,"Ann","a,b","image",null,"/data/art","art"])",
                R"([4,"u4","t4","d4",437,"Cy","q","image","s4","/elsewhere","travel"])",
                R"([3,"u3","t3","d3",null,null,null,"image","s3","/data/art","art"])"}));
  EXPECT_EQ(Rows(delta + "geo"),
            (std::vector<std::string>{
                R"([1,"Albania",[-89.5,12.25],"2020-08-28T03:52:47.000000Z"])",
                R"([2,"Aruba",[10.5,null],"2019-01-01T00:00:00.000000Z"])",
                R"([3,"Albania",[1.0,2.0],"2021-05-05T10:00:00.000000Z"])",
                R"([4,"Aruba",[3.0,4.0],"2018-02-02T02:02:02.000000Z"])"}));
  EXPECT_EQ(Rows(delta + "user"),
            (std::vector<std::string>{
                R"([1,"Ann Lee",22,"2016-12-22T00:02:02.000000Z"])",
                R"([2,"Bob Ray",40,"2015-11-01T10:00:00.000000Z"])",
                R"([3,null,61,"2017-01-01T00:00:00.000000Z"])",
                R"([4,"Di Fox",30,"2016-03-03T03:03:03.000000Z"])"}));

  // Quarantine: the undecodable pin line and the geo record without ind.
  auto qpin = Rows(delta + "quarantine_pin");
  ASSERT_EQ(qpin.size(), 1u);
  EXPECT_NE(qpin[0].find(R"("pin")"), std::string::npos);
  EXPECT_NE(qpin[0].find("not json at all"), std::string::npos);
  EXPECT_EQ(Rows(delta + "quarantine_geo").size(), 1u);
  EXPECT_EQ(Rows(delta + "quarantine_user").size(), 0u);
  EXPECT_EQ(SchemaJson(delta + "quarantine_user"),
            R"({"type":"struct","fields":[{"name":"table","type":"string","nullable":true,"metadata":{}},)"
            R"({"name":"reason","type":"string","nullable":true,"metadata":{}},)"
            R"({"name":"raw","type":"string","nullable":true,"metadata":{}}]})");

  // Task stats: records in (incl. quarantined), rows out, quarantined.
  EXPECT_EQ(stats_[0].records_in, 6);
  EXPECT_EQ(stats_[0].records_out, 4);
  EXPECT_EQ(stats_[0].records_quarantined, 1);
  EXPECT_EQ(stats_[1].records_in, 6);
  EXPECT_EQ(stats_[1].records_out, 4);
  EXPECT_EQ(stats_[1].records_quarantined, 1);
}

TEST_F(BatchTasksTest, AnalyzeWritesDeltaCsvAndHtml) {
  RunAll();
  const std::vector<std::string> names = {
      "category_by_country", "category_by_year", "top_user_by_country", "top_country",
      "category_by_age_group", "median_followers_by_age_group", "users_joined_by_year",
      "median_followers_by_join_year", "median_followers_by_age_group_and_join_year"};
  const std::string reports = dir_.path() + "/reports/2026-11-21/";
  for (const auto& n : names) {
    EXPECT_TRUE(fs::exists(lake_ + "/delta/analytics/" + n + "/_delta_log/00000000000000000000.json")) << n;
    EXPECT_TRUE(fs::exists(reports + n + ".csv")) << n;
  }
  EXPECT_EQ(ReadFile(reports + "category_by_country.csv"),
            "country,category,category_count\nAlbania,art,1\nAlbania,travel,1\nAruba,art,1\nAruba,travel,1\n");
  EXPECT_EQ(Rows(lake_ + "/delta/analytics/category_by_country"),
            (std::vector<std::string>{R"(["Albania","art",1])", R"(["Albania","travel",1])",
                                      R"(["Aruba","art",1])", R"(["Aruba","travel",1])"}));
  EXPECT_EQ(ReadFile(reports + "users_joined_by_year.csv"),
            "post_year,number_users_joined\n2015,1\n2016,2\n2017,0\n");
  EXPECT_EQ(SchemaJson(lake_ + "/delta/analytics/top_country"),
            R"({"type":"struct","fields":[{"name":"country","type":"string","nullable":true,"metadata":{}},)"
            R"({"name":"follower_count","type":"integer","nullable":true,"metadata":{}}]})");
  const std::string html = ReadFile(reports + "index.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("Most popular category per country"), std::string::npos);
  // One inline script (the tables' sorting), nothing loaded.
  EXPECT_EQ(html.find("<script"), html.rfind("<script"));
  EXPECT_EQ(html.find("<script src"), std::string::npos);
}

TEST_F(BatchTasksTest, RerunForTheSameDateGivesIdenticalTables) {
  RunAll();
  std::vector<std::string> tables = {"pin", "geo", "user", "quarantine_pin", "quarantine_geo",
                                     "analytics/category_by_country", "analytics/top_user_by_country",
                                     "analytics/median_followers_by_age_group_and_join_year"};
  std::map<std::string, std::vector<std::string>> first;
  for (const auto& t : tables) first[t] = Rows(lake_ + "/delta/" + t);
  const std::string csv = ReadFile(dir_.path() + "/reports/2026-11-21/category_by_year.csv");
  settings_.threads = 1;  // a different split of the objects: same rows, same order
  RunAll();
  for (const auto& t : tables) {
    int64_t version = -1;
    EXPECT_EQ(Rows(lake_ + "/delta/" + t, &version), first[t]) << t;
    EXPECT_EQ(version, 1) << t;  // one commit per table per run: create, then overwrite
  }
  EXPECT_EQ(ReadFile(dir_.path() + "/reports/2026-11-21/category_by_year.csv"), csv);
  // The overwrite left exactly one active file per table.
  auto storage = lake::NewLocalTableStorage(lake_ + "/delta/pin");
  auto snap = lake::Snapshot::Load(*storage);
  ASSERT_TRUE(snap.has_value());
  EXPECT_EQ(snap->files().size(), 1u);
  EXPECT_EQ(snap->tombstones().size(), 1u);
}

TEST_F(BatchTasksTest, ChangedObjectFailsTheCleanTask) {
  ASSERT_TRUE(RunLoad(settings_, Ctx("load")).has_value());
  WriteFile(lake_ + "/topics/pinterest.user/partition=0/pinterest.user+0+0000000000.json", "{}\n");
  auto r = RunClean(settings_, RawKind::kUser, Ctx("clean_user"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kCorruption);
  EXPECT_NE(r.error().message().find("rerun load"), std::string::npos);
}

TEST(BatchGeneratedTest, GeneratedLakeThroughTheDagEqualsTheInMemoryPipeline) {
  TempDir dir;
  auto store = objstore::OpenObjectStore(dir.path() + "/lake");
  ASSERT_TRUE(store.has_value());
  RawGenOptions go;
  go.interactions = 5000;
  go.records_per_object = 700;
  auto gen = GenerateRawObjects(**store, go);
  ASSERT_TRUE(gen.has_value()) << gen.error().message();
  EXPECT_EQ(gen->records, 15000);
  EXPECT_EQ(gen->objects, 3 * 8);

  BatchSettings s;
  s.lake_uri = dir.path() + "/lake";
  s.data_dir = dir.path();
  s.pipeline_id = "pinterest";
  s.topics_dir = "topics";
  s.quiet = true;
  orchestrator::TaskContext ctx;
  ctx.dag_id = "pinterest_batch";
  ctx.logical_date = "2026-01-01";
  ASSERT_TRUE(RunLoad(s, ctx).has_value());
  int64_t out[3] = {};
  for (RawKind k : {RawKind::kPin, RawKind::kGeo, RawKind::kUser}) {
    auto r = RunClean(s, k, ctx);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(r->records_in, 5000);
    EXPECT_EQ(r->records_quarantined, 0);
    out[static_cast<size_t>(k)] = r->records_out;
  }
  EXPECT_LT(out[0], 5000);  // re-posted rows are duplicates
  EXPECT_GT(out[0], 3000);
  ASSERT_TRUE(RunAnalyze(s, ctx).has_value());
  // The projection read back equals what was written.
  auto storage = lake::NewLocalTableStorage(dir.path() + "/lake/delta/pin");
  ReadStats rs;
  auto pin = ReadPinForAnalytics(*storage, &rs);
  ASSERT_TRUE(pin.has_value());
  EXPECT_EQ(static_cast<int64_t>(pin->size()), out[0]);
  EXPECT_EQ(rs.files, 1u);
  EXPECT_EQ(pin->category.size(), pin->size());
  EXPECT_TRUE(pin->title.size() == 0);  // not projected
}

}  // namespace
}  // namespace pinpipe::batch
