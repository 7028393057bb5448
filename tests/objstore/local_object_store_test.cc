#include "objstore/local_object_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "objstore/open_object_store.h"

namespace pinpipe::objstore {
namespace {

namespace fs = std::filesystem;

class LocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pinpipe_objstore_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(LocalStoreTest, PutGetHeadListDelete) {
  LocalObjectStore store(dir_.string());
  ASSERT_TRUE(store.Put("topics/t/partition=0/t+0+0000000000.json", "{\"a\":1}\n"));
  ASSERT_TRUE(store.Put("topics/t/partition=0/t+0+0000000001.json", "x\n"));
  ASSERT_TRUE(store.Put("topics/u/partition=1/u+1+0000000000.json", "y\n"));
  auto got = store.Get("topics/t/partition=0/t+0+0000000000.json");
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "{\"a\":1}\n");
  auto head = store.Head("topics/t/partition=0/t+0+0000000001.json");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->size, 2u);
  EXPECT_EQ(store.Get("nope").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store.Head("topics/t").error().code(), ErrorCode::kNotFound);  // a directory

  auto all = store.ListAll("topics/");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].key, "topics/t/partition=0/t+0+0000000000.json");
  EXPECT_EQ((*all)[2].key, "topics/u/partition=1/u+1+0000000000.json");
  auto t_only = store.ListAll("topics/t/");
  ASSERT_TRUE(t_only);
  EXPECT_EQ(t_only->size(), 2u);
  auto partial = store.ListAll("topics/t/partition=0/t+0+00000000");
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->size(), 2u);
  auto none = store.ListAll("missing/");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());

  ASSERT_TRUE(store.Delete("topics/u/partition=1/u+1+0000000000.json"));
  ASSERT_TRUE(store.Delete("topics/u/partition=1/u+1+0000000000.json"));  // absent: ok
  EXPECT_EQ(store.ListAll("")->size(), 2u);
}

TEST_F(LocalStoreTest, GetIntoReusesTheBufferAndLeavesRoomForPadding) {
  LocalObjectStore store(dir_.string());
  ASSERT_TRUE(store.Put("a", std::string(5000, 'a')));
  ASSERT_TRUE(store.Put("b", "short"));
  std::string buf;
  ASSERT_TRUE(store.GetInto("a", buf, 64));
  EXPECT_EQ(buf, std::string(5000, 'a'));
  EXPECT_GE(buf.capacity(), 5064u);
  const char* storage = buf.data();
  ASSERT_TRUE(store.GetInto("b", buf, 64));
  EXPECT_EQ(buf, "short");
  EXPECT_EQ(buf.data(), storage);  // same allocation, no new pages to fault in
  EXPECT_EQ(store.GetInto("missing", buf).error().code(), ErrorCode::kNotFound);
}

TEST_F(LocalStoreTest, ListPaginates) {
  LocalObjectStore store(dir_.string());
  for (int i = 0; i < 25; ++i) {
    char key[32];
    std::snprintf(key, sizeof(key), "p/k%03d", i);
    ASSERT_TRUE(store.Put(key, "v"));
  }
  std::string token;
  std::vector<std::string> keys;
  int pages = 0;
  do {
    auto page = store.List("p/", token, 10);
    ASSERT_TRUE(page);
    for (auto& o : page->objects) keys.push_back(o.key);
    token = page->next_token;
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(keys.size(), 25u);
  EXPECT_EQ(keys.front(), "p/k000");
  EXPECT_EQ(keys.back(), "p/k024");
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
}

TEST_F(LocalStoreTest, RejectsPathEscapes) {
  LocalObjectStore store(dir_.string());
  const std::vector<std::string> keys = {"../x", "a/../../x", "/etc/passwd", "a//b", "a/./b",
                                         "", "a/", std::string("a\0b", 3), "..", "."};
  for (const std::string& key : keys) {
    SCOPED_TRACE(key);
    EXPECT_EQ(store.Put(key, "v").error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(store.PutIfAbsent(key, "v").error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(store.Get(key).error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(store.Delete(key).error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_FALSE(store.List("../", "", 10));
  EXPECT_FALSE(fs::exists(dir_.parent_path() / "x"));
}

TEST_F(LocalStoreTest, PutReplacesAtomicallyAndAFailedWriteLeavesTheOldObject) {
  FaultInjectionFileSystem ffs;
  LocalStoreOptions o;
  o.fs = &ffs;
  LocalObjectStore store(dir_.string(), o);
  ASSERT_TRUE(store.Put("a/b.json", "old\n"));
  ffs.ShortWriteNth(1, 2);  // the next object write stops after 2 bytes and fails
  EXPECT_FALSE(store.Put("a/b.json", "new contents\n"));
  EXPECT_EQ(*store.Get("a/b.json"), "old\n");
  ffs.FailNthSync(1);
  EXPECT_FALSE(store.Put("a/b.json", "new contents\n"));
  EXPECT_EQ(*store.Get("a/b.json"), "old\n");
  // No temporary file is left behind or listed.
  EXPECT_EQ(store.ListAll("a/")->size(), 1u);
  size_t files = 0;
  for (auto& e : fs::directory_iterator(dir_ / "a")) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
  ASSERT_TRUE(store.Put("a/b.json", "new contents\n"));
  EXPECT_EQ(*store.Get("a/b.json"), "new contents\n");
}

TEST_F(LocalStoreTest, DeferredSyncSurvivesACrashOnlyAfterSync) {
  FaultInjectionFileSystem ffs;
  LocalStoreOptions o;
  o.fs = &ffs;
  LocalObjectStore store(dir_.string(), o);
  PutOptions deferred;
  deferred.defer_sync = true;
  ASSERT_TRUE(store.Put("t/p/x1", std::string(1000, 'a'), deferred));
  ASSERT_TRUE(store.Put("t/p/x2", std::string(1000, 'b'), deferred));
  uint64_t syncs = ffs.sync_count();
  ASSERT_TRUE(store.Sync());
  EXPECT_GE(ffs.sync_count(), syncs);
  ASSERT_TRUE(ffs.SimulateCrash());
  EXPECT_EQ(*store.Get("t/p/x1"), std::string(1000, 'a'));
  EXPECT_EQ(*store.Get("t/p/x2"), std::string(1000, 'b'));
}

TEST_F(LocalStoreTest, PutIfAbsentHasExactlyOneWinner) {
  LocalObjectStore store(dir_.string());
  constexpr int kThreads = 8;
  for (int round = 0; round < 20; ++round) {
    std::string key = "_delta_log/" + std::to_string(round) + ".json";
    std::atomic<int> wins{0}, exists{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto st = store.PutIfAbsent(key, "writer " + std::to_string(t));
        if (st) wins++;
        else if (st.error().code() == ErrorCode::kAlreadyExists) exists++;
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(wins.load(), 1);
    EXPECT_EQ(exists.load(), kThreads - 1);
    EXPECT_TRUE(store.Get(key)->starts_with("writer "));
  }
  EXPECT_EQ(store.ListAll("_delta_log/")->size(), 20u);
}

TEST_F(LocalStoreTest, StreamingWriterCommitsOrAborts) {
  LocalObjectStore store(dir_.string());
  {
    auto w = store.NewWriter("big/obj");
    ASSERT_TRUE(w);
    ASSERT_TRUE((*w)->Write("part1,"));
    ASSERT_TRUE((*w)->Write("part2"));
    EXPECT_EQ(store.Get("big/obj").error().code(), ErrorCode::kNotFound);  // not visible yet
    ASSERT_TRUE((*w)->Commit());
  }
  EXPECT_EQ(*store.Get("big/obj"), "part1,part2");
  {
    auto w = store.NewWriter("big/aborted");
    ASSERT_TRUE(w);
    ASSERT_TRUE((*w)->Write("x"));
  }  // destroyed uncommitted
  EXPECT_EQ(store.Get("big/aborted").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store.ListAll("big/")->size(), 1u);
}

TEST_F(LocalStoreTest, OpenObjectStoreSelectsByUri) {
  auto a = OpenObjectStore(dir_.string());
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)->Describe(), "file://" + dir_.string());
  auto b = OpenObjectStore("file://" + dir_.string());
  ASSERT_TRUE(b);
  ASSERT_TRUE((*b)->Put("k", "v"));
  EXPECT_EQ(*(*a)->Get("k"), "v");
  EXPECT_FALSE(OpenObjectStore("file://relative/dir"));
  EXPECT_FALSE(OpenObjectStore("gs://bucket/x"));
  OpenOptions o;
  o.s3.credentials = {"AKID", "SECRET", ""};
  auto s3 = OpenObjectStore("s3://bucket/prefix", o);
  ASSERT_TRUE(s3) << s3.error().ToString();
  EXPECT_EQ((*s3)->Describe(), "s3://bucket/prefix");
  EXPECT_EQ((*s3)->Describe().find("SECRET"), std::string::npos);
}

}  // namespace
}  // namespace pinpipe::objstore
