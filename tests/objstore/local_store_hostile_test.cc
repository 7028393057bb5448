// The local store in a lake that holds things other than objects (issue 14): a FIFO named like
// an object must not block a reader, a symlink must not pull in a file from outside the lake,
// and listings skip (and report) whatever is not a regular file.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "objstore/local_object_store.h"

namespace pinpipe::objstore {
namespace {

namespace fs = std::filesystem;

class HostileLakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("pinpipe_hostile_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "lake";
    outside_ = base_ / "outside";
    fs::create_directories(root_ / "topics/t/partition=0");
    fs::create_directories(outside_);
    std::ofstream(outside_ / "secret.json") << "{\"secret\":1}\n";
    std::ofstream(root_ / "topics/t/partition=0/t+0+0000000000.json") << "{\"ok\":1}\n";
    ASSERT_EQ(::mkfifo((root_ / "topics/t/partition=0/t+0+0000000001.json").c_str(), 0644), 0);
    fs::create_symlink(outside_ / "secret.json", root_ / "topics/t/partition=0/t+0+0000000002.json");
    fs::create_directory_symlink(outside_, root_ / "topics/t/partition=9");
  }
  void TearDown() override { fs::remove_all(base_); }
  fs::path base_, root_, outside_;
};

TEST_F(HostileLakeTest, ListSkipsAndReportsWhatIsNotARegularFile) {
  LocalObjectStore store(root_.string());
  auto page = store.List("topics/", "");
  ASSERT_TRUE(page) << page.error().message();
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "topics/t/partition=0/t+0+0000000000.json");
  EXPECT_EQ(page->objects[0].size, 9u);
  EXPECT_GT(page->objects[0].mtime_ms, 0);
  EXPECT_EQ(page->skipped,
            (std::vector<std::string>{"topics/t/partition=0/t+0+0000000001.json (fifo)",
                                      "topics/t/partition=0/t+0+0000000002.json (symlink)",
                                      "topics/t/partition=9 (symlink)"}));
}

TEST_F(HostileLakeTest, ReadsRefuseFifosAndSymlinksWithoutBlocking) {
  LocalObjectStore store(root_.string());
  // On a thread with a deadline: before the fix, open(2) on the FIFO blocked forever.
  auto fifo = std::async(std::launch::async, [&] {
    std::string buf;
    return store.GetInto("topics/t/partition=0/t+0+0000000001.json", buf);
  });
  ASSERT_EQ(fifo.wait_for(std::chrono::seconds(20)), std::future_status::ready)
      << "reading a FIFO blocked";
  Status st = fifo.get();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(st.error().message().find("fifo"), std::string::npos) << st.error().message();

  for (const char* key : {"topics/t/partition=0/t+0+0000000002.json",
                          "topics/t/partition=9/secret.json"}) {
    auto got = store.Get(key);
    ASSERT_FALSE(got) << key << " read through a symlink: " << *got;
    EXPECT_EQ(got.error().code(), ErrorCode::kInvalidArgument) << got.error().message();
    EXPECT_FALSE(store.Head(key)) << key;
  }
  auto fine = store.Get("topics/t/partition=0/t+0+0000000000.json");
  ASSERT_TRUE(fine);
  EXPECT_EQ(*fine, "{\"ok\":1}\n");
  EXPECT_EQ(store.Get("topics/t").error().code(), ErrorCode::kNotFound);  // a directory
}

TEST_F(HostileLakeTest, ListDoesNotStartBelowASymlink) {
  LocalObjectStore store(root_.string());
  auto page = store.List("topics/t/partition=9/", "");
  ASSERT_TRUE(page) << page.error().message();
  EXPECT_TRUE(page->objects.empty());
  EXPECT_EQ(page->skipped, (std::vector<std::string>{"topics/t/partition=9 (symlink)"}));
}

}  // namespace
}  // namespace pinpipe::objstore
