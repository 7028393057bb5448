// The clean pipeline gives the same table whatever the chunking and thread count: chunks are
// deduplicated in manifest order, so a row repeated in a later object is dropped there, and
// the part files keep the row order. Also its errors (a changed object) and the quarantine.
#include "batch/clean_pipeline.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "batch/analytics_cache.h"
#include "batch/raw_gen.h"
#include "batch/table_reader.h"
#include "pinterest/raw_decode.h"
#include "lake/delta_rows.h"
#include "lake/delta_snapshot.h"
#include "objstore/open_object_store.h"

namespace pinpipe::batch {
namespace {

namespace fs = std::filesystem;
using pinterest::RawKind;

class CleanPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pinpipe_pipeline_XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto store = objstore::OpenObjectStore(dir_ + "/lake");
    ASSERT_TRUE(store.has_value());
    store_ = std::move(*store);
    RawGenOptions go;
    go.interactions = 3000;
    go.records_per_object = 250;
    ASSERT_TRUE(GenerateRawObjects(*store_, go).has_value());
    for (RawKind k : {RawKind::kPin, RawKind::kGeo, RawKind::kUser}) {
      auto listed = store_->ListAll("topics/pinterest." + std::string(pinterest::RawKindName(k)) + "/");
      ASSERT_TRUE(listed.has_value());
      auto& objs = objects_[static_cast<size_t>(k)];
      for (const auto& o : *listed) objs.push_back({o.key, o.size, 0, ""});
      SortObjects(objs);
      ASSERT_EQ(objs.size(), 12u);
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Rows of the Delta table at `dir`, as text, in table order.
  std::vector<std::string> Rows(const std::string& dir) {
    auto storage = lake::NewLocalTableStorage(dir);
    auto snap = lake::Snapshot::Load(*storage);
    EXPECT_TRUE(snap.has_value());
    std::vector<std::string> rows;
    if (!snap) return rows;
    EXPECT_TRUE(lake::ForEachRow(*storage, *snap, 0, [&](const lake::RowView& r) {
      std::string line;
      for (size_t c = 0; c < r.num_columns(); ++c) {
        if (r.IsNull(c)) line += "null";
        else r.AppendJson(c, &line);
        line += '|';
      }
      rows.push_back(line);
      return true;
    }));
    return rows;
  }

  Result<CleanPipelineResult> Run(RawKind kind, const std::string& table, uint64_t chunk_bytes,
                                  int threads) {
    CleanPipelineOptions o;
    o.chunk_bytes = chunk_bytes;
    o.threads = threads;
    fs::create_directories(dir_ + "/" + table);  // as BatchLake::Table does for a local lake
    return RunCleanPipeline(*store_, kind, objects_[static_cast<size_t>(kind)],
                            lake::NewLocalTableStorage(dir_ + "/" + table), o);
  }

  std::string dir_;
  std::unique_ptr<objstore::ObjectStore> store_;
  std::vector<ManifestObject> objects_[3];
};

TEST_F(CleanPipelineTest, ChunkingAndThreadsDoNotChangeTheTable) {
  for (RawKind k : {RawKind::kPin, RawKind::kGeo, RawKind::kUser}) {
    const std::string name(pinterest::RawKindName(k));
    auto one = Run(k, name + "_one", 1ull << 40, 1);  // a single chunk, like the whole input
    ASSERT_TRUE(one.has_value()) << one.error().message();
    auto many = Run(k, name + "_many", 1, 3);  // every object its own chunk and part file
    ASSERT_TRUE(many.has_value()) << many.error().message();
    EXPECT_EQ(one->parts, 1);
    EXPECT_EQ(many->parts, 12);
    EXPECT_EQ(one->records, 3000u);
    EXPECT_EQ(many->records, 3000u);
    EXPECT_GT(one->stats.duplicates, 0u) << name;  // re-posted rows, also across objects
    EXPECT_EQ(many->stats.duplicates, one->stats.duplicates) << name;
    EXPECT_EQ(many->table.rows, one->table.rows);
    const auto a = Rows(dir_ + "/" + name + "_one"), b = Rows(dir_ + "/" + name + "_many");
    ASSERT_EQ(a.size(), one->table.rows);
    EXPECT_EQ(a, b) << name;

    // And the same as cleaning the whole input in memory.
    pinterest::RawTables raw;
    pinterest::RawDecoder decoder;
    for (const auto& o : objects_[static_cast<size_t>(k)]) {
      auto data = store_->Get(o.key);
      ASSERT_TRUE(data.has_value());
      decoder.Decode(k, *data, &raw);
    }
    pinterest::CleanStats cs;
    size_t rows = 0;
    switch (k) {
      case RawKind::kPin: rows = pinterest::CleanPins(std::move(raw.pin), nullptr, &cs).size(); break;
      case RawKind::kGeo: rows = pinterest::CleanGeos(std::move(raw.geo), nullptr, &cs).size(); break;
      case RawKind::kUser: rows = pinterest::CleanUsers(std::move(raw.user), nullptr, &cs).size(); break;
    }
    EXPECT_EQ(rows, one->table.rows) << name;
    EXPECT_EQ(cs.duplicates, one->stats.duplicates) << name;
  }
}

TEST_F(CleanPipelineTest, QuarantineKeepsManifestOrderAndAChangedObjectFails) {
  auto& pins = objects_[static_cast<size_t>(RawKind::kPin)];
  ASSERT_TRUE(store_->Put(pins[3].key, "broken 3\n"));
  ASSERT_TRUE(store_->Put(pins[9].key, "broken 9\n"));
  // The manifest still has the old sizes: the run must refuse the changed objects.
  auto changed = Run(RawKind::kPin, "pin_changed", 1, 2);
  ASSERT_FALSE(changed.has_value());
  EXPECT_EQ(changed.error().code(), ErrorCode::kCorruption);
  pins[3].size = 9;
  pins[9].size = 9;
  auto r = Run(RawKind::kPin, "pin_quarantine", 1, 3);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_EQ(r->quarantine.size(), 2u);
  EXPECT_EQ(r->quarantine.raw.Get(0), "broken 3");
  EXPECT_EQ(r->quarantine.raw.Get(1), "broken 9");
  EXPECT_EQ(r->records, 3000u - 2 * 250u + 2u);
}

// Rows of a clean table as read for the analytics, as text (the columns the reader fills).
std::vector<std::string> AnalyticsRows(const pinterest::CleanPinTable& t) {
  std::vector<std::string> rows;
  for (size_t i = 0; i < t.size(); ++i) {
    rows.push_back(std::to_string(t.ind[i]) + "|" +
                   (t.follower_count.IsNull(i) ? "null" : std::to_string(t.follower_count.values[i])) + "|" +
                   (t.poster_name.IsNull(i) ? "null" : std::string(t.poster_name.Get(i))) + "|" +
                   (t.category.IsNull(i) ? "null" : std::string(t.category.Get(i))));
  }
  return rows;
}
std::vector<std::string> AnalyticsRows(const pinterest::CleanGeoTable& t) {
  std::vector<std::string> rows;
  for (size_t i = 0; i < t.size(); ++i) {
    rows.push_back(std::to_string(t.ind[i]) + "|" + (t.country.IsNull(i) ? "null" : std::string(t.country.Get(i))) +
                   "|" + (t.timestamp.IsNull(i) ? "null" : std::to_string(t.timestamp.values[i])));
  }
  return rows;
}
std::vector<std::string> AnalyticsRows(const pinterest::CleanUserTable& t) {
  std::vector<std::string> rows;
  for (size_t i = 0; i < t.size(); ++i) {
    rows.push_back(std::to_string(t.ind[i]) + "|" +
                   (t.user_name.IsNull(i) ? "null" : std::string(t.user_name.Get(i))) + "|" +
                   (t.age.IsNull(i) ? "null" : std::to_string(t.age.values[i])) + "|" +
                   (t.date_joined.IsNull(i) ? "null" : std::to_string(t.date_joined.values[i])));
  }
  return rows;
}

// analyze in the same process as the clean tasks takes the analytics' columns the clean
// pipeline kept in memory (analytics_cache.h) instead of reading the part files back: the
// same rows in the same order, null values as the reader gives them (0), and the entries are
// freed as they are taken; a second read (nothing kept any more) reads the files.
TEST_F(CleanPipelineTest, AnalyzeTakesTheKeptColumnsAndGetsWhatTheFilesHold) {
  auto& cache = AnalyticsCache::Process();  // may hold other tests' tables
  for (RawKind k : {RawKind::kPin, RawKind::kGeo, RawKind::kUser}) {
    const std::string name = std::string(pinterest::RawKindName(k)) + "_kept";
    const size_t before = cache.bytes();
    auto r = Run(k, name, 1, 3);  // 12 part files
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_GT(cache.bytes(), before) << name;
    auto storage = lake::NewLocalTableStorage(dir_ + "/" + name);
    ReadStats kept_rs, read_rs;
    std::vector<std::string> kept, read;
    switch (k) {
      case RawKind::kPin: {
        auto a = ReadPinForAnalytics(*storage, &kept_rs);
        auto b = ReadPinForAnalytics(*storage, &read_rs);
        ASSERT_TRUE(a && b);
        kept = AnalyticsRows(*a);
        read = AnalyticsRows(*b);
        break;
      }
      case RawKind::kGeo: {
        auto a = ReadGeoForAnalytics(*storage, &kept_rs);
        auto b = ReadGeoForAnalytics(*storage, &read_rs);
        ASSERT_TRUE(a && b);
        kept = AnalyticsRows(*a);
        read = AnalyticsRows(*b);
        break;
      }
      case RawKind::kUser: {
        auto a = ReadUserForAnalytics(*storage, &kept_rs);
        auto b = ReadUserForAnalytics(*storage, &read_rs);
        ASSERT_TRUE(a && b);
        kept = AnalyticsRows(*a);
        read = AnalyticsRows(*b);
        break;
      }
    }
    EXPECT_EQ(cache.bytes(), before) << name;  // every part was kept and taken
    ASSERT_EQ(kept.size(), r->table.rows) << name;
    EXPECT_EQ(kept, read) << name;
    EXPECT_EQ(kept_rs.rows, read_rs.rows);
    EXPECT_EQ(kept_rs.files, 12u);
    EXPECT_EQ(kept_rs.version, read_rs.version);
  }
  // A rerun forgets the table's previous parts before writing new ones.
  const size_t before = cache.bytes();
  ASSERT_TRUE(Run(RawKind::kUser, "user_twice", 1, 2).has_value());
  const size_t once = cache.bytes();
  EXPECT_GT(once, before);
  ASSERT_TRUE(Run(RawKind::kUser, "user_twice", 1, 2).has_value());
  EXPECT_EQ(cache.bytes(), once);
  cache.ForgetTable(lake::NewLocalTableStorage(dir_ + "/user_twice")->root());
  EXPECT_EQ(cache.bytes(), before);
}

}  // namespace
}  // namespace pinpipe::batch
