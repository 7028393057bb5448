// A Delta table inside an ObjectStore (the remote path: no local files for the Parquet
// writer or reader), exercised over the local object store.
#include <gtest/gtest.h>

#include <filesystem>

#include "batch/table_reader.h"
#include "batch/table_writer.h"
#include "lake/delta_rows.h"
#include "lake/delta_snapshot.h"
#include "lake/delta_storage_objstore.h"
#include "objstore/open_object_store.h"

namespace pinpipe::batch {
namespace {

TEST(ObjectStoreTableStorageTest, WritesOverwritesAndReadsThroughTheStore) {
  char tmpl[] = "/tmp/pinpipe_batch_os_XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  auto store = objstore::OpenObjectStore(dir);
  ASSERT_TRUE(store.has_value());
  auto make = [&] { return lake::NewObjectStoreTableStorage(**store, "delta/user", "mem://delta/user"); };
  EXPECT_FALSE(make()->LocalPath("x").has_value());

  pinterest::CleanUserTable t;
  for (int i = 0; i < 3; ++i) {
    t.ind.push_back(i);
    if (i == 1) t.user_name.AppendNull();
    else t.user_name.Append("name " + std::to_string(i));
    t.age.Append(20 + i);
    t.date_joined.Append(1'500'000'000'000'000LL + i);
  }
  // As the clean pipeline writes a table: part files, then one overwrite commit.
  auto write = [&]() -> Result<WrittenTable> {
    auto storage = make();
    PINPIPE_ASSIGN_OR_RETURN(lake::AddFile part, WriteCleanPart(*storage, t, 0));
    return CommitOverwrite(std::move(storage), pinterest::CleanUserTable::Schema(), {part}, t.size(),
                           "user");
  };
  auto w1 = write();
  ASSERT_TRUE(w1.has_value()) << w1.error().message();
  EXPECT_EQ(w1->version, 0);
  EXPECT_EQ(w1->location, "mem://delta/user");
  auto w2 = write();
  ASSERT_TRUE(w2.has_value()) << w2.error().message();
  EXPECT_EQ(w2->version, 1);
  // A lost race for version 1: put-if-absent refuses.
  auto storage = make();
  auto again = storage->PutIfAbsent("_delta_log/00000000000000000001.json", "{}");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);

  auto listed = storage->List("_delta_log/");
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].key, "_delta_log/00000000000000000000.json");

  auto snap = lake::Snapshot::Load(*storage);
  ASSERT_TRUE(snap.has_value()) << snap.error().message();
  EXPECT_EQ(snap->files().size(), 1u);
  std::vector<std::string> rows;
  ASSERT_TRUE(lake::ForEachRow(*storage, *snap, 0, [&](const lake::RowView& r) {
    std::string s;
    for (size_t c = 0; c < r.num_columns(); ++c) {
      s += c ? "," : "";
      r.AppendText(c, &s);
    }
    rows.push_back(s);
    return true;
  }));
  EXPECT_EQ(rows, (std::vector<std::string>{"0,name 0,20,2017-07-14T02:40:00.000000Z",
                                            "1,,21,2017-07-14T02:40:00.000001Z",
                                            "2,name 2,22,2017-07-14T02:40:00.000002Z"}));
  ReadStats rs;
  auto back = ReadUserForAnalytics(*storage, &rs);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(back->ind, t.ind);
  EXPECT_TRUE(back->user_name.IsNull(1));
  EXPECT_EQ(back->user_name.Get(2), "name 2");
  EXPECT_EQ(back->age.values, t.age.values);
  EXPECT_EQ(rs.version, 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pinpipe::batch
