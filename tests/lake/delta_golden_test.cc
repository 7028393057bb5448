// The snapshot reader against Delta tables written by Apache Spark (the Delta project's golden
// tables in ../shared/data/delta-golden; skipped when that folder is absent). Expected versions
// and file sets come from the logs themselves (replayed independently when the tests were
// written); the checkpoint-based state is also cross-checked against a JSON-only replay.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "lake/delta_log_files.h"
#include "lake/delta_snapshot.h"
#include "lake/delta_storage.h"

namespace pinpipe::lake {
namespace {

namespace fs = std::filesystem;

fs::path Golden(const std::string& name) {
  return fs::path(PINPIPE_SHARED_DATA_DIR) / "delta-golden" / name;
}

#define REQUIRE_GOLDEN(name) \
  if (!fs::exists(Golden(name))) GTEST_SKIP() << "no golden table " << (name)

Result<Snapshot> Load(const fs::path& dir, std::optional<int64_t> version = std::nullopt) {
  auto storage = NewLocalTableStorage(dir.string());
  return Snapshot::Load(*storage, version);
}

std::set<std::string> Paths(const Snapshot& s) {
  std::set<std::string> out;
  for (const auto& f : s.files()) out.insert(f.path);
  return out;
}

// A scratch copy of a golden table's _delta_log (the originals are read-only).
class TempTable {
 public:
  explicit TempTable(const std::string& name, bool with_checkpoints = true) {
    dir_ =
        fs::temp_directory_path() / ("pinpipe-delta-golden-" + name + "-" +
                                     std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(dir_ / "_delta_log");
    for (const auto& e : fs::directory_iterator(Golden(name) / "_delta_log")) {
      std::string fname = e.path().filename().string();
      if (!with_checkpoints && fname.find("checkpoint") != std::string::npos) continue;
      fs::copy_file(e.path(), dir_ / "_delta_log" / fname);
      fs::permissions(dir_ / "_delta_log" / fname, fs::perms::owner_write, fs::perm_options::add);
    }
  }
  ~TempTable() { fs::remove_all(dir_); }
  const fs::path& dir() const { return dir_; }
  void Write(const std::string& rel, const std::string& body) {
    std::ofstream(dir_ / rel, std::ios::trunc) << body;
  }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
};

// dataChange is not part of the state: Spark writes false for every add in a checkpoint.
void ExpectSameFiles(const std::vector<AddFile>& a, const std::vector<AddFile>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].path, b[i].path);
    EXPECT_EQ(a[i].size, b[i].size) << a[i].path;
    EXPECT_EQ(a[i].modification_time, b[i].modification_time) << a[i].path;
    EXPECT_EQ(a[i].partition_values, b[i].partition_values) << a[i].path;
    EXPECT_EQ(a[i].stats, b[i].stats) << a[i].path;
    EXPECT_EQ(a[i].tags, b[i].tags) << a[i].path;
    EXPECT_EQ(a[i].deletion_vector_json, b[i].deletion_vector_json) << a[i].path;
  }
}

struct Expected {
  const char* table;
  int64_t version;
  size_t files;
  std::optional<int64_t> checkpoint;
};

class GoldenTable : public testing::TestWithParam<Expected> {};

TEST_P(GoldenTable, VersionFilesAndSchema) {
  const Expected& e = GetParam();
  REQUIRE_GOLDEN(e.table);
  auto snap = Load(Golden(e.table));
  ASSERT_TRUE(snap) << snap.error().ToString();
  EXPECT_EQ(snap->version(), e.version);
  EXPECT_EQ(snap->files().size(), e.files);
  EXPECT_EQ(snap->checkpoint_version(), e.checkpoint);
  EXPECT_EQ(snap->metadata().format_provider, "parquet");
  // The same state replayed from the JSON commits alone.
  TempTable json_only(e.table, /*with_checkpoints=*/false);
  auto replay = Load(json_only.dir());
  ASSERT_TRUE(replay) << replay.error().ToString();
  EXPECT_EQ(replay->checkpoint_version(), std::nullopt);
  EXPECT_EQ(replay->version(), snap->version());
  ExpectSameFiles(replay->files(), snap->files());
  EXPECT_EQ(replay->protocol(), snap->protocol());
  EXPECT_EQ(replay->metadata(), snap->metadata());
  EXPECT_EQ(replay->txns(), snap->txns());
}

INSTANTIATE_TEST_SUITE_P(
    Spark, GoldenTable,
    testing::Values(Expected{"basic-with-inserts-deletes-checkpoint", 13, 7, 10},
                    Expected{"basic-with-inserts-overwrite-restore", 3, 4, 3},
                    Expected{"basic-with-inserts-updates", 1, 2, std::nullopt},
                    Expected{"checkpoint", 14, 1, 10},
                    Expected{"corrupted-last-checkpoint", 10, 11, 10},
                    Expected{"data-reader-array-primitives", 0, 2, std::nullopt},
                    Expected{"data-reader-date-types-UTC", 0, 2, std::nullopt},
                    Expected{"data-reader-primitives", 0, 2, std::nullopt},
                    Expected{"data-skipping-basic-stats-all-types", 0, 1, std::nullopt},
                    Expected{"kernel-timestamp-TIMESTAMP_MICROS", 0, 5, std::nullopt},
                    Expected{"log-replay-latest-metadata-protocol", 2, 4, std::nullopt},
                    Expected{"multi-part-checkpoint", 1, 10, 1},
                    Expected{"only-checkpoint-files", 2, 7, 2},
                    Expected{"parquet-all-types", 0, 1, std::nullopt},
                    Expected{"snapshot-data0", 0, 2, std::nullopt},
                    Expected{"snapshot-data1", 1, 4, std::nullopt},
                    Expected{"snapshot-data2", 2, 2, std::nullopt},
                    Expected{"snapshot-data2-deleted", 4, 3, std::nullopt},
                    Expected{"snapshot-data3", 3, 4, std::nullopt},
                    Expected{"snapshot-repartitioned", 5, 2, std::nullopt},
                    Expected{"time-travel-start-start20-start40", 2, 6, std::nullopt}),
    [](const testing::TestParamInfo<Expected>& info) {
      std::string n = info.param.table;
      for (char& c : n) {
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return n;
    });

TEST(DeltaGolden, CheckpointTableState) {
  REQUIRE_GOLDEN("checkpoint");
  auto snap = Load(Golden("checkpoint"));
  ASSERT_TRUE(snap) << snap.error().ToString();
  EXPECT_EQ(Paths(*snap), std::set<std::string>{"15"});
  EXPECT_EQ(snap->last_checkpoint_hint(), "ok");
  EXPECT_EQ(snap->schema().fields.at(0).name, "intCol");
  EXPECT_EQ(snap->schema().fields.at(0).type.primitive, "integer");
  // Tombstones survive the checkpoint.
  EXPECT_FALSE(snap->tombstones().empty());
}

TEST(DeltaGolden, CorruptedLastCheckpointFallsBackToListing) {
  REQUIRE_GOLDEN("corrupted-last-checkpoint");
  std::set<std::string> want;
  for (int i = 0; i <= 10; ++i) want.insert(std::to_string(i));
  for (const char* hint : {"", "{\"version\":", "garbage\n", "{\"version\":99,\"size\":1}",
                           "{\"version\":5,\"size\":1}"}) {
    TempTable t("corrupted-last-checkpoint");
    t.Write("_delta_log/_last_checkpoint", hint);
    auto snap = Load(t.dir());
    ASSERT_TRUE(snap) << hint << ": " << snap.error().ToString();
    EXPECT_EQ(snap->version(), 10);
    EXPECT_EQ(snap->checkpoint_version(), 10) << hint;
    EXPECT_EQ(Paths(*snap), want) << hint;
    EXPECT_NE(snap->last_checkpoint_hint(), "ok") << hint;
  }
  {
    TempTable t("corrupted-last-checkpoint");
    fs::remove(t.dir() / "_delta_log" / "_last_checkpoint");
    auto snap = Load(t.dir());
    ASSERT_TRUE(snap);
    EXPECT_EQ(snap->last_checkpoint_hint(), "missing");
    EXPECT_EQ(Paths(*snap), want);
  }
  {
    // A checkpoint that cannot be read falls back to replaying the JSON commits.
    TempTable t("corrupted-last-checkpoint");
    t.Write("_delta_log/00000000000000000010.checkpoint.parquet", "PAR1 not parquet");
    auto snap = Load(t.dir());
    ASSERT_TRUE(snap) << snap.error().ToString();
    EXPECT_EQ(snap->checkpoint_version(), std::nullopt);
    EXPECT_EQ(Paths(*snap), want);
  }
}

TEST(DeltaGolden, MultiPartCheckpoint) {
  REQUIRE_GOLDEN("multi-part-checkpoint");
  auto snap = Load(Golden("multi-part-checkpoint"));
  ASSERT_TRUE(snap) << snap.error().ToString();
  EXPECT_EQ(snap->checkpoint_version(), 1);
  EXPECT_EQ(snap->files().size(), 10u);
  for (const auto& f : snap->files()) {
    EXPECT_TRUE(fs::exists(Golden("multi-part-checkpoint") / f.path)) << f.path;
    EXPECT_GT(f.size, 0);
  }
  // One part missing: the checkpoint is incomplete and must not be used.
  TempTable t("multi-part-checkpoint");
  fs::remove(t.dir() / "_delta_log" /
             "00000000000000000001.checkpoint.0000000002.0000000002.parquet");
  auto replay = Load(t.dir());
  ASSERT_TRUE(replay) << replay.error().ToString();
  EXPECT_EQ(replay->checkpoint_version(), std::nullopt);
  ExpectSameFiles(replay->files(), snap->files());
}

TEST(DeltaGolden, MissingMetadataOrProtocolIsAnError) {
  REQUIRE_GOLDEN("deltalog-state-reconstruction-without-metadata");
  auto no_md = Load(Golden("deltalog-state-reconstruction-without-metadata"));
  ASSERT_FALSE(no_md);
  EXPECT_EQ(no_md.error().code(), ErrorCode::kCorruption);
  EXPECT_NE(no_md.error().message().find("metaData"), std::string::npos) << no_md.error().message();
  auto no_proto = Load(Golden("deltalog-state-reconstruction-without-protocol"));
  ASSERT_FALSE(no_proto);
  EXPECT_EQ(no_proto.error().code(), ErrorCode::kCorruption);
  EXPECT_NE(no_proto.error().message().find("protocol"), std::string::npos)
      << no_proto.error().message();
}

TEST(DeltaGolden, TimeTravel) {
  REQUIRE_GOLDEN("time-travel-start-start20-start40");
  for (int64_t v : {0, 1, 2}) {
    auto snap = Load(Golden("time-travel-start-start20-start40"), v);
    ASSERT_TRUE(snap);
    EXPECT_EQ(snap->version(), v);
    EXPECT_EQ(snap->files().size(), static_cast<size_t>(2 * (v + 1)));
  }
  auto future = Load(Golden("time-travel-start-start20-start40"), 3);
  ASSERT_FALSE(future);
  EXPECT_EQ(future.error().code(), ErrorCode::kNotFound);

  REQUIRE_GOLDEN("basic-with-inserts-deletes-checkpoint");
  const size_t want[] = {1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 6, 7, 8, 7};
  for (int64_t v = 0; v <= 13; ++v) {
    auto snap = Load(Golden("basic-with-inserts-deletes-checkpoint"), v);
    ASSERT_TRUE(snap) << v;
    EXPECT_EQ(snap->files().size(), want[v]) << v;
    EXPECT_EQ(snap->checkpoint_version(), v >= 10 ? std::optional<int64_t>(10) : std::nullopt);
  }
}

TEST(DeltaGolden, ProtocolAndPartitionValues) {
  REQUIRE_GOLDEN("log-replay-latest-metadata-protocol");
  auto snap = Load(Golden("log-replay-latest-metadata-protocol"));
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->protocol().min_reader_version, 3);
  EXPECT_EQ(snap->protocol().min_writer_version, 7);
  EXPECT_EQ(snap->schema().fields.size(), 2u);

  REQUIRE_GOLDEN("kernel-timestamp-TIMESTAMP_MICROS");
  auto part = Load(Golden("kernel-timestamp-TIMESTAMP_MICROS"));
  ASSERT_TRUE(part);
  EXPECT_EQ(part->metadata().partition_columns, std::vector<std::string>{"part"});
  int nulls = 0;
  for (const auto& f : part->files()) {
    ASSERT_TRUE(f.partition_values.contains("part"));
    nulls += !f.partition_values.at("part").has_value();
  }
  EXPECT_EQ(nulls, 1);
}

TEST(DeltaGolden, History) {
  REQUIRE_GOLDEN("checkpoint");
  auto storage = NewLocalTableStorage(Golden("checkpoint").string());
  auto history = ReadHistory(*storage);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 15u);
  EXPECT_EQ(history->front().version, 14);
  ASSERT_TRUE(history->front().commit_info);
  EXPECT_EQ(history->front().commit_info->operation, "Manual Update");
  EXPECT_EQ(history->front().commit_info->timestamp, 1697495786458);
  auto limited = ReadHistory(*storage, 3, 5);
  ASSERT_TRUE(limited);
  ASSERT_EQ(limited->size(), 3u);
  EXPECT_EQ(limited->front().version, 5);
}

}  // namespace
}  // namespace pinpipe::lake
