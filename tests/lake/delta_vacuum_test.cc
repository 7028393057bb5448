// lake vacuum: files that no version within the retention references go (orphans of a killed
// writer, files removed long ago); active files, recently removed files, recent files and the
// log stay; a retention below the safety limit needs force.
#include "lake/delta_vacuum.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "lake/delta_demo_table.h"
#include "lake/delta_rows.h"
#include "lake/delta_snapshot.h"
#include "lake/delta_storage_objstore.h"
#include "objstore/local_object_store.h"

namespace pinpipe::lake {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/pinpipe_vacuum_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& str() const { return path_; }
  fs::path path() const { return path_; }

 private:
  std::string path_;
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

void Touch(const fs::path& p, std::chrono::hours age) {
  std::ofstream(p) << "orphan";
  fs::last_write_time(p, fs::file_time_type::clock::now() - age);
}

int64_t CountRows(TableStorage& storage) {
  auto snap = Snapshot::Load(storage);
  EXPECT_TRUE(snap);
  int64_t rows = 0;
  auto st = ForEachRow(storage, *snap, 0, [&](const RowView&) {
    ++rows;
    return true;
  });
  EXPECT_TRUE(st) << st.error().message();
  return rows;
}

TEST(DeltaVacuum, DeletesOnlyUnreferencedOldFiles) {
  TempDir dir;
  auto demo = WriteDemoTable(dir.str(), 3, 10);  // appends, then an overwrite: tombstones
  ASSERT_TRUE(demo);
  auto storage = NewLocalTableStorage(dir.str());
  const int64_t rows = CountRows(*storage);
  Touch(dir.path() / "part-00000-old-orphan-c000.snappy.parquet", std::chrono::hours(200));
  Touch(dir.path() / "part-00000-new-orphan-c000.snappy.parquet", std::chrono::hours(0));
  Touch(dir.path() / "_delta_log" / "old-stray.txt", std::chrono::hours(500));
  fs::create_directories(dir.path() / "p=1");
  Touch(dir.path() / "p=1" / "part-in-partition.parquet", std::chrono::hours(300));

  // Default retention: only the week-old orphans; the removed files are recent tombstones.
  auto r = Vacuum(*storage, {});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->deleted, (std::vector<std::string>{"p=1/part-in-partition.parquet",
                                                  "part-00000-old-orphan-c000.snappy.parquet"}));
  EXPECT_GT(r->kept_recently_removed, 0);
  EXPECT_FALSE(fs::exists(dir.path() / "part-00000-old-orphan-c000.snappy.parquet"));
  EXPECT_TRUE(fs::exists(dir.path() / "part-00000-new-orphan-c000.snappy.parquet"));
  EXPECT_TRUE(fs::exists(dir.path() / "_delta_log" / "old-stray.txt"));
  EXPECT_EQ(CountRows(*storage), rows);

  // Below the safety limit: refused unless forced.
  VacuumOptions zero;
  zero.retention = std::chrono::milliseconds(0);
  auto refused = Vacuum(*storage, zero);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message().find("--force"), std::string::npos);

  // Forced to zero (as of a moment from now): every unreferenced file goes, the table still
  // reads the same rows.
  zero.force = true;
  zero.now_ms = NowMs() + 60000;
  zero.dry_run = true;
  auto dry = Vacuum(*storage, zero);
  ASSERT_TRUE(dry);
  EXPECT_TRUE(fs::exists(dir.path() / "part-00000-new-orphan-c000.snappy.parquet"));
  zero.dry_run = false;
  auto all = Vacuum(*storage, zero);
  ASSERT_TRUE(all) << all.error().message();
  EXPECT_EQ(all->deleted, dry->deleted);
  EXPECT_FALSE(fs::exists(dir.path() / "part-00000-new-orphan-c000.snappy.parquet"));
  auto snap = Snapshot::Load(*storage);
  ASSERT_TRUE(snap);
  size_t data_files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) data_files += e.is_regular_file();
  EXPECT_EQ(data_files, snap->files().size());
  EXPECT_EQ(CountRows(*storage), rows);
}

TEST(DeltaVacuum, ObjectStoreTableFromItsListing) {
  // A table in an object store (an s3:// lake's storage, here over a local object store): the
  // candidates come from the store's listing, and go through its Delete.
  TempDir dir;
  const fs::path table = dir.path() / "lake" / "delta" / "demo";
  ASSERT_TRUE(WriteDemoTable(table.string(), 3, 10));
  objstore::LocalObjectStore store((dir.path() / "lake").string());
  auto storage = NewObjectStoreTableStorage(store, "delta/demo", "store://lake/delta/demo");
  ASSERT_FALSE(storage->LocalPath(""));
  const int64_t rows = CountRows(*storage);
  Touch(table / "part-00000-old-orphan-c000.snappy.parquet", std::chrono::hours(200));
  Touch(table / "part-00000-new-orphan-c000.snappy.parquet", std::chrono::hours(0));
  Touch(table / "_delta_log" / "old-stray.txt", std::chrono::hours(500));
  fs::create_directories(table / "p=1");
  Touch(table / "p=1" / "part-in-partition.parquet", std::chrono::hours(300));
  // A neighbour table whose name starts with this one's: not part of it.
  fs::create_directories(dir.path() / "lake" / "delta" / "demo2");
  Touch(dir.path() / "lake" / "delta" / "demo2" / "part-x.parquet", std::chrono::hours(300));

  auto r = Vacuum(*storage, {});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->deleted, (std::vector<std::string>{"p=1/part-in-partition.parquet",
                                                  "part-00000-old-orphan-c000.snappy.parquet"}));
  EXPECT_FALSE(fs::exists(table / "part-00000-old-orphan-c000.snappy.parquet"));
  EXPECT_TRUE(fs::exists(table / "part-00000-new-orphan-c000.snappy.parquet"));
  EXPECT_TRUE(fs::exists(table / "_delta_log" / "old-stray.txt"));
  EXPECT_TRUE(fs::exists(dir.path() / "lake" / "delta" / "demo2" / "part-x.parquet"));

  // Forced to zero: only the active files are left, the rows unchanged.
  VacuumOptions zero;
  zero.retention = std::chrono::milliseconds(0);
  zero.force = true;
  zero.now_ms = NowMs() + 60000;
  auto all = Vacuum(*storage, zero);
  ASSERT_TRUE(all) << all.error().message();
  EXPECT_GT(all->deleted.size(), 1u);
  auto snap = Snapshot::Load(*storage);
  ASSERT_TRUE(snap);
  size_t data_files = 0;
  for (const auto& e : fs::directory_iterator(table)) data_files += e.is_regular_file();
  EXPECT_EQ(data_files, snap->files().size());
  EXPECT_EQ(CountRows(*storage), rows);
}

TEST(DeltaVacuum, RetentionProperty) {
  const std::string week = "interval 1 week", hours = "interval 36 hours", bad = "soon";
  EXPECT_EQ(DeletedFileRetention(nullptr), std::chrono::hours(168));
  EXPECT_EQ(DeletedFileRetention(&week), std::chrono::hours(168));
  EXPECT_EQ(DeletedFileRetention(&hours), std::chrono::hours(36));
  EXPECT_EQ(DeletedFileRetention(&bad), std::chrono::hours(168));
}

}  // namespace
}  // namespace pinpipe::lake
