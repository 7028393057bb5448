// Checkpoints and data files end to end: a table written through 25 appends and an overwrite has
// checkpoints at versions 10 and 20, and every version reads back exactly, whether replayed from
// a checkpoint or from the JSON commits alone.
#include "lake/delta_checkpoint.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "lake/delta_data_file.h"
#include "lake/delta_demo_table.h"
#include "lake/delta_log_files.h"
#include "lake/delta_rows.h"
#include "lake/delta_table.h"
#include "common/json_writer.h"
#include "lake/parquet_reader.h"
#include "temp_dir.h"

namespace pinpipe::lake {
namespace {

namespace fs = std::filesystem;

using testing::TempDir;

std::vector<std::string> Rows(TableStorage& storage, const Snapshot& snap) {
  std::vector<std::string> rows;
  auto st = ForEachRow(storage, snap, 0, [&](const RowView& row) {
    std::string line = "{";
    const auto& fields = snap.schema().fields;
    for (size_t c = 0; c < row.num_columns(); ++c) {
      if (c) line += ',';
      AppendJsonString(line, fields[c].name);
      line += ':';
      row.AppendJson(c, &line);
    }
    line += '}';
    rows.push_back(std::move(line));
    return true;
  });
  EXPECT_TRUE(st) << st.error().ToString();
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(DeltaCheckpoint, DemoTableHasCheckpointsAndReadsBackExactly) {
  TempDir dir;
  auto demo = WriteDemoTable(dir.str());
  ASSERT_TRUE(demo) << demo.error().ToString();
  EXPECT_EQ(demo->last_append_version, 25);
  EXPECT_EQ(demo->version, 26);
  EXPECT_TRUE(fs::exists(dir.path() / "_delta_log/00000000000000000010.checkpoint.parquet"));
  EXPECT_TRUE(fs::exists(dir.path() / "_delta_log/00000000000000000020.checkpoint.parquet"));
  EXPECT_FALSE(fs::exists(dir.path() / "_delta_log/00000000000000000026.checkpoint.parquet"));

  auto storage = NewLocalTableStorage(dir.str());
  auto hint = storage->Get(kLastCheckpointKey);
  ASSERT_TRUE(hint);
  auto lc = ParseLastCheckpoint(*hint);
  ASSERT_TRUE(lc);
  EXPECT_EQ(lc->version, 20);
  EXPECT_EQ(lc->size, 22);  // protocol + metaData + 20 adds

  auto latest = Snapshot::Load(*storage);
  ASSERT_TRUE(latest) << latest.error().ToString();
  EXPECT_EQ(latest->version(), 26);
  EXPECT_EQ(latest->checkpoint_version(), 20);
  EXPECT_EQ(latest->last_checkpoint_hint(), "ok");
  EXPECT_EQ(latest->files().size(), 2u);
  EXPECT_EQ(latest->tombstones().size(), 25u);
  EXPECT_EQ(latest->schema(), DemoTableSchema());
  EXPECT_EQ(Rows(*storage, *latest), Sorted(demo->final_rows));

  auto before = Snapshot::Load(*storage, 25);
  ASSERT_TRUE(before);
  EXPECT_EQ(before->checkpoint_version(), 20);
  EXPECT_EQ(before->files().size(), 25u);
  EXPECT_EQ(Rows(*storage, *before), Sorted(demo->appended_rows));

  // Every version from the checkpoint path equals the JSON-only replay.
  TempDir json_only;
  fs::create_directories(json_only.path() / "_delta_log");
  for (const auto& e : fs::directory_iterator(dir.path() / "_delta_log")) {
    if (e.path().extension() == ".json") {
      fs::copy_file(e.path(), json_only.path() / "_delta_log" / e.path().filename());
    }
  }
  auto json_storage = NewLocalTableStorage(json_only.str());
  for (int64_t v : {10, 11, 19, 20, 21, 25, 26}) {
    auto a = Snapshot::Load(*storage, v);
    auto b = Snapshot::Load(*json_storage, v);
    ASSERT_TRUE(a && b) << v;
    EXPECT_EQ(a->checkpoint_version(), v >= 20 ? 20 : 10) << v;
    EXPECT_EQ(b->checkpoint_version(), std::nullopt);
    EXPECT_EQ(a->files(), b->files()) << v;
    EXPECT_EQ(a->tombstones(), b->tombstones()) << v;
    EXPECT_EQ(a->metadata(), b->metadata()) << v;
    EXPECT_EQ(a->protocol(), b->protocol()) << v;
  }
}

TEST(DeltaCheckpoint, StatsDescribeTheFile) {
  TempDir dir;
  auto demo = WriteDemoTable(dir.str(), 1, 20);
  ASSERT_TRUE(demo);
  auto storage = NewLocalTableStorage(dir.str());
  auto snap = Snapshot::Load(*storage, 1);
  ASSERT_TRUE(snap);
  ASSERT_EQ(snap->files().size(), 1u);
  const AddFile& f = snap->files()[0];
  EXPECT_TRUE(f.path.starts_with("part-00000-"));
  EXPECT_TRUE(f.path.ends_with("-c000.snappy.parquet"));
  EXPECT_EQ(static_cast<int64_t>(fs::file_size(dir.path() / f.path)), f.size);
  ASSERT_TRUE(f.stats);
  // Rows 0..19: ind extremes at 7 and 8; int32 extremes at 5 and 6; NaN excluded from min/max.
  EXPECT_EQ(
      *f.stats,
      R"({"numRecords":20,"minValues":{"ind":-9223372036854775808,"unique_id":"uid-0","title":"a title that is definitely longe","follower_count":-2147483648,"downloaded":0,"score":-3.5,"timestamp":"1969-12-31T00:00:00.000Z"},)"
      R"("maxValues":{"ind":9223372036854775807,"unique_id":"uid-9","title":"日本語のタイトル","follower_count":2147483647,"downloaded":1,"score":1.25,"timestamp":"1969-12-31T19:00:00.123Z"},)"
      R"("nullCount":{"ind":0,"unique_id":3,"title":4,"follower_count":0,"downloaded":1,"score":0,"is_valid":0,"coordinates":2,"timestamp":1}})");
}

TEST(DeltaCheckpoint, CheckpointSchemaMatchesTheProtocol) {
  TempDir dir;
  auto demo = WriteDemoTable(dir.str(), 10, 3);
  ASSERT_TRUE(demo);
  auto reader = ParquetReader::Open(
      (dir.path() / "_delta_log/00000000000000000010.checkpoint.parquet").string());
  ASSERT_TRUE(reader) << reader.error().ToString();
  std::vector<std::string> top;
  for (const auto& f : (*reader)->schema().fields()) top.push_back(f.name);
  EXPECT_EQ(top, (std::vector<std::string>{"txn", "add", "remove", "metaData", "protocol"}));
  std::vector<std::string> leaves;
  for (const auto& l : (*reader)->schema().leaves()) {
    std::string p;
    for (const auto& s : l.path) p += (p.empty() ? "" : ".") + s;
    leaves.push_back(p + "/" + std::to_string(l.max_def) + "/" + std::to_string(l.max_rep));
  }
  auto has = [&](const std::string& s) {
    return std::find(leaves.begin(), leaves.end(), s) != leaves.end();
  };
  // lake.md §1.10: add.path max_def 2; map keys def 3 / rep 1.
  EXPECT_TRUE(has("add.path/2/0"));
  EXPECT_TRUE(has("add.partitionValues.key_value.key/3/1"));
  EXPECT_TRUE(has("add.partitionValues.key_value.value/4/1"));
  EXPECT_TRUE(has("metaData.format.provider/3/0"));
  EXPECT_TRUE(has("metaData.partitionColumns.list.element/4/1"));
  EXPECT_TRUE(has("protocol.minReaderVersion/2/0"));
  EXPECT_TRUE(has("txn.appId/2/0"));
  EXPECT_EQ((*reader)->num_rows(), 12);  // protocol, metaData, 10 adds
}

TEST(DeltaCheckpoint, TxnAndTombstonesSurviveACheckpoint) {
  TempDir dir;
  TableOptions opt;
  opt.checkpoint_interval = 3;
  auto table = DeltaTable::OpenLocal(dir.str(), opt);
  ASSERT_TRUE(table.Create(DemoTableSchema()));
  AddFile a;
  a.path = "x=1/a b.parquet";
  a.partition_values.emplace("x", "1");
  a.partition_values.emplace("y", std::nullopt);
  a.tags.emplace("k", "v");
  a.size = 5;
  ASSERT_TRUE(table.Commit({WriteMode::kAppend, {a}, Txn{"app-1", 4, 99}}));
  AddFile b = a;
  b.path = "b.parquet";
  b.stats.reset();
  ASSERT_TRUE(table.Commit({WriteMode::kAppend, {b}, Txn{"app-2", 1, std::nullopt}}));
  auto r = table.Commit({WriteMode::kOverwrite, {}, std::nullopt});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->checkpoint, 3) << (r->checkpoint_error ? r->checkpoint_error->ToString() : "");
  AddFile c = a;
  c.path = "c.parquet";
  ASSERT_TRUE(table.Commit({WriteMode::kAppend, {c}, std::nullopt}));
  auto snap = table.LoadSnapshot();
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->checkpoint_version(), 3);
  EXPECT_EQ(snap->TxnVersion("app-1"), 4);
  EXPECT_EQ(snap->txns().at("app-1").last_updated, 99);
  EXPECT_EQ(snap->TxnVersion("app-2"), 1);
  ASSERT_EQ(snap->files().size(), 1u);
  EXPECT_EQ(snap->files()[0], c);
  ASSERT_EQ(snap->tombstones().size(), 2u);
  EXPECT_EQ(snap->tombstones()[0].path, "b.parquet");
  EXPECT_EQ(snap->tombstones()[1].path, "x=1/a b.parquet");
  EXPECT_EQ(snap->tombstones()[1].partition_values, a.partition_values);
  EXPECT_EQ(snap->tombstones()[1].size, 5);
}

}  // namespace
}  // namespace pinpipe::lake
