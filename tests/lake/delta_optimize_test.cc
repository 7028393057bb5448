// OPTIMIZE: small files become one, rows and their order kept, dataChange=false, and a blind
// append (with txn) that races the compaction still lands; a compaction that loses to a
// removal of its files commits nothing.
#include "lake/delta_optimize.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "lake/delta_data_file.h"
#include "lake/delta_log_files.h"
#include "lake/delta_rows.h"
#include "lake/delta_storage_objstore.h"
#include "lake/parquet_reader.h"
#include "objstore/local_object_store.h"

namespace pinpipe::lake {
namespace {

namespace fs = std::filesystem;

class OptimizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() /
            ("pinpipe-optimize-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    schema_ = DeltaType::Struct({{"ind", DeltaType::Primitive("long")},
                                 {"title", DeltaType::Primitive("string")}});
  }
  void TearDown() override { fs::remove_all(dir_); }

  // One data file of rows [from, from + n), named part-<part>-... like the stream's.
  AddFile File(DeltaTable& t, int64_t from, int n) {
    auto ps = ParquetSchemaForDelta(schema_);
    EXPECT_TRUE(ps);
    ColumnBatch b(*ps);
    for (int i = 0; i < n; ++i) {
      b.leaf(0).AppendInt64(from + i);
      b.leaf(1).AppendString("t" + std::to_string(from + i));
    }
    auto add = WriteDataFile(t.storage(), b);
    EXPECT_TRUE(add) << add.error().ToString();
    return *add;
  }

  std::vector<std::string> Rows(DeltaTable& t) {
    std::vector<std::string> out;
    auto snap = t.LoadSnapshot();
    EXPECT_TRUE(snap);
    const size_t columns = snap->schema().fields.size();
    auto st = ForEachRow(t.storage(), *snap, 0, [&](const RowView& r) {
      std::string s;
      for (size_t c = 0; c < columns; ++c) {
        if (c) s += ",";
        r.AppendJson(c, &s);
      }
      out.push_back(s);
      return true;
    });
    EXPECT_TRUE(st) << st.error().ToString();
    std::sort(out.begin(), out.end());
    return out;
  }

  // A data file of rows [from, from + n) in partition ds=`ds` (the data columns only, in the
  // partition's directory, as the batch writes its clean tables).
  AddFile PartitionFile(DeltaTable& t, const std::string& ds, int64_t from, int n) {
    AddFile add = File(t, from, n);
    const std::string path = "ds=" + ds + "/" + add.path;
    if (auto local = t.storage().LocalPath(add.path)) {
      fs::create_directories(fs::path(*t.storage().LocalPath("")) / ("ds=" + ds));
      fs::rename(*local, *t.storage().LocalPath(path));
    } else {
      auto bytes = t.storage().Get(add.path);
      EXPECT_TRUE(bytes && t.storage().Put(path, *bytes) && t.storage().Delete(add.path));
    }
    add.path = path;
    add.partition_values["ds"] = ds;
    return add;
  }

  DeltaSchema PartitionedSchema() const {
    DeltaSchema s = schema_;
    s.fields.push_back({"ds", DeltaType::Primitive("date"), true, "{}"});
    return s;
  }

  // The partitioned table: 3 small files in ds=2026-11-20, 2 in ds=2026-11-21, 1 in
  // ds=2026-11-22 (nothing to compact there); one txn'd append per file.
  void FillPartitioned(DeltaTable& t) {
    CreateOptions co;
    co.partition_columns = {"ds"};
    ASSERT_TRUE(t.Create(PartitionedSchema(), {}, "p", co));
    const std::vector<std::string> days = {"2026-11-20", "2026-11-20", "2026-11-20",
                                           "2026-11-21", "2026-11-21", "2026-11-22"};
    for (int b = 0; b < static_cast<int>(days.size()); ++b) {
      ASSERT_TRUE(t.Commit({WriteMode::kAppend, {PartitionFile(t, days[static_cast<size_t>(b)], b * 10, 10)},
                            Txn{"app", b, {}}}));
    }
  }

  // Optimize of FillPartitioned's table: each partition's files became one file of its own.
  void ExpectCompactedPerPartition(DeltaTable& t, const std::vector<std::string>& before) {
    auto r = Optimize(t);
    ASSERT_TRUE(r) << r.error().ToString();
    EXPECT_EQ(r->files_removed, 5);
    EXPECT_EQ(r->files_added, 2);
    EXPECT_EQ(r->rows, 50);
    auto snap = t.LoadSnapshot();
    ASSERT_TRUE(snap);
    std::map<std::string, int> per_day;
    for (const auto& f : snap->files()) {
      ASSERT_TRUE(f.partition_values.contains("ds") && f.partition_values.at("ds"));
      const std::string day = *f.partition_values.at("ds");
      ++per_day[day];
      EXPECT_TRUE(f.path.starts_with("ds=" + day + "/part-")) << f.path;
      if (day != "2026-11-22") {
        EXPECT_FALSE(f.data_change);
        // The new file is a Parquet file of the data columns, in the partition's directory.
        auto rows = t.storage().Get(DecodeDataPath(f.path));
        ASSERT_TRUE(rows) << f.path;
      }
    }
    EXPECT_EQ(per_day, (std::map<std::string, int>{{"2026-11-20", 1}, {"2026-11-21", 1}, {"2026-11-22", 1}}));
    EXPECT_EQ(Rows(t), before);  // every row with its ds
    EXPECT_EQ(snap->TxnVersion("app"), 5);
    auto again = Optimize(t);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->version, -1);
  }

  std::string dir_;
  DeltaSchema schema_;
};

TEST_F(OptimizeTest, CompactsSmallFilesKeepingRowsAndAppendsRaceSafely) {
  auto t = DeltaTable::OpenLocal(dir_);
  ASSERT_TRUE(t.Create(schema_));
  for (int b = 0; b < 5; ++b) {
    ASSERT_TRUE(t.Commit({WriteMode::kAppend, {File(t, b * 10, 10)}, Txn{"app", b, {}}}));
  }
  const auto before = Rows(t);
  ASSERT_EQ(before.size(), 50u);
  auto r = Optimize(t);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->files_removed, 5);
  EXPECT_EQ(r->files_added, 1);
  EXPECT_EQ(r->rows, 50);
  auto snap = t.LoadSnapshot();
  ASSERT_TRUE(snap);
  ASSERT_EQ(snap->files().size(), 1u);
  EXPECT_FALSE(snap->files()[0].data_change);
  EXPECT_EQ(snap->TxnVersion("app"), 4);  // txns survive the compaction
  auto s = Rows(t);
  std::sort(s.begin(), s.end());
  auto b = before;
  std::sort(b.begin(), b.end());
  EXPECT_EQ(s, b);
  auto history = ReadHistory(t.storage(), 1);
  ASSERT_TRUE(history);
  EXPECT_EQ(history->front().commit_info->operation, "OPTIMIZE");
  // Nothing left to do.
  auto again = Optimize(t);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->version, -1);

  // An append that wins the race for the version the compaction wanted: it commits after it.
  for (int b = 5; b < 8; ++b) {
    ASSERT_TRUE(t.Commit({WriteMode::kAppend, {File(t, b * 10, 10)}, Txn{"app", b, {}}}));
  }
  const int64_t v = t.LoadSnapshot()->version();
  auto other = DeltaTable::OpenLocal(dir_);
  OptimizeOptions o;
  o.before_commit = [&] {
    ASSERT_TRUE(other.Commit({WriteMode::kAppend, {File(other, 1000, 3)}, Txn{"app", 8, {}}}));
  };
  auto r2 = Optimize(t, o);
  ASSERT_TRUE(r2) << r2.error().ToString();
  EXPECT_EQ(r2->version, v + 2);
  EXPECT_EQ(Rows(t).size(), 83u);
  EXPECT_EQ(t.LoadSnapshot()->TxnVersion("app"), 8);
}

// The compacted file is written in row groups of at most OptimizeOptions::row_group_rows
// (122,880 by default): a reader decodes a group at once, and the stream's compaction reads and
// rewrites its compacted file again and again, so one group of every row would put the whole
// file in memory (the server's RSS climbed with the table before).
TEST_F(OptimizeTest, CompactedFilesHaveBoundedRowGroups) {
  auto t = DeltaTable::OpenLocal(dir_);
  ASSERT_TRUE(t.Create(schema_));
  for (int b = 0; b < 5; ++b) {
    ASSERT_TRUE(t.Commit({WriteMode::kAppend, {File(t, b * 30'000, 30'000)}, Txn{"app", b, {}}}));
  }
  auto r = Optimize(t);
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->files_added, 1);
  auto snap = t.LoadSnapshot();
  ASSERT_TRUE(snap);
  ASSERT_EQ(snap->files().size(), 1u);
  auto reader = ParquetReader::Open(*t.storage().LocalPath(DecodeDataPath(snap->files()[0].path)));
  ASSERT_TRUE(reader) << reader.error().ToString();
  std::vector<int64_t> groups;
  for (const auto& rg : (*reader)->metadata().row_groups) groups.push_back(rg.num_rows);
  EXPECT_EQ(groups, (std::vector<int64_t>{122'880, 150'000 - 122'880}));
  EXPECT_EQ(Rows(t).size(), 150'000u);
  // A smaller cap, as set.
  fs::create_directories(dir_ + "/small");
  auto small = DeltaTable::OpenLocal(dir_ + "/small");
  ASSERT_TRUE(small.Create(schema_));
  for (int b = 0; b < 5; ++b) {
    ASSERT_TRUE(small.Commit({WriteMode::kAppend, {File(small, b * 10, 10)}, Txn{"app", b, {}}}));
  }
  OptimizeOptions o;
  o.row_group_rows = 12;
  r = Optimize(small, o);
  ASSERT_TRUE(r) << r.error().ToString();
  snap = small.LoadSnapshot();
  ASSERT_TRUE(snap);
  ASSERT_EQ(snap->files().size(), 1u);
  reader = ParquetReader::Open(*small.storage().LocalPath(DecodeDataPath(snap->files()[0].path)));
  ASSERT_TRUE(reader);
  groups.clear();
  for (const auto& rg : (*reader)->metadata().row_groups) groups.push_back(rg.num_rows);
  EXPECT_EQ(groups, (std::vector<int64_t>{12, 12, 12, 12, 2}));
  EXPECT_EQ(Rows(small).size(), 50u);
}

TEST_F(OptimizeTest, LosingToARemovalCommitsNothing) {
  auto t = DeltaTable::OpenLocal(dir_);
  ASSERT_TRUE(t.Create(schema_));
  for (int b = 0; b < 3; ++b) ASSERT_TRUE(t.Commit({WriteMode::kAppend, {File(t, b, 1)}, std::nullopt}));
  // An overwrite (removing the files being compacted) wins the race: nothing is committed.
  OptimizeOptions o;
  o.before_commit = [&] {
    ASSERT_TRUE(t.Commit({WriteMode::kOverwrite, {File(t, 100, 1)}, std::nullopt}));
  };
  auto r = Optimize(t, o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(Rows(t).size(), 1u);
}

TEST_F(OptimizeTest, PartitionedTableIsCompactedPartitionByPartition) {
  auto t = DeltaTable::OpenLocal(dir_);
  FillPartitioned(t);
  const auto before = Rows(t);
  ASSERT_EQ(before.size(), 60u);
  EXPECT_NE(before.front().find("\"2026-11-20\""), std::string::npos) << before.front();
  ExpectCompactedPerPartition(t, before);

  // Race-safe as for an unpartitioned table: an append into a compacted partition that wins
  // the version lands after the compaction...
  for (int b = 6; b < 9; ++b) {
    ASSERT_TRUE(t.Commit({WriteMode::kAppend, {PartitionFile(t, "2026-11-21", b * 10, 10)}, Txn{"app", b, {}}}));
  }
  auto other = DeltaTable::OpenLocal(dir_);
  OptimizeOptions o;
  o.before_commit = [&] {
    ASSERT_TRUE(other.Commit({WriteMode::kAppend, {PartitionFile(other, "2026-11-21", 1000, 3)}, Txn{"app", 9, {}}}));
  };
  auto r = Optimize(t, o);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->files_removed, 4);
  EXPECT_EQ(Rows(t).size(), 93u);
  EXPECT_EQ(t.LoadSnapshot()->TxnVersion("app"), 9);

  // ...and an overwrite of the partition being compacted (the batch's replaceWhere on ds)
  // wins: nothing is committed, the overwrite's rows stay.
  ASSERT_TRUE(t.Commit({WriteMode::kAppend, {PartitionFile(t, "2026-11-22", 2000, 5)}, std::nullopt}));
  OptimizeOptions o2;
  o2.before_commit = [&] {
    CommitOptions co;
    co.replace_partition = StringMap{{"ds", "2026-11-22"}};
    ASSERT_TRUE(other.Commit({WriteMode::kOverwrite, {PartitionFile(other, "2026-11-22", 3000, 2)}, std::nullopt}, co));
  };
  auto lost = Optimize(t, o2);
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(Rows(t).size(), 93u + 5u - 15u + 2u);  // ds=2026-11-22: only the overwrite's 2 rows
}

TEST_F(OptimizeTest, PartitionedTableInAnObjectStore) {
  // The S3 lake's storage (no local paths: files are assembled in memory and Put), over a
  // local object store.
  objstore::LocalObjectStore store(dir_);
  DeltaTable t(NewObjectStoreTableStorage(store, "delta/p", "store://delta/p"));
  ASSERT_FALSE(t.storage().LocalPath("x"));
  FillPartitioned(t);
  const auto before = Rows(t);
  ASSERT_EQ(before.size(), 60u);
  ExpectCompactedPerPartition(t, before);
}

}  // namespace
}  // namespace pinpipe::lake
