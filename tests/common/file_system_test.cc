#include "common/file_system.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace pinpipe {
namespace {

class FileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pinpipe_fs_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    ASSERT_TRUE(FileSystem::Default()->MkdirAll(dir_.string() + "/a/b"));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const char* name) { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(FileSystemTest, PosixBasics) {
  FileSystem* fs = FileSystem::Default();
  auto f = fs->Open(Path("x"), kOpenWrite | kOpenCreate);
  ASSERT_TRUE(f) << f.error().ToString();
  std::string_view parts[] = {"hello ", "", "world"};
  ASSERT_TRUE((*f)->PWriteV(0, parts));
  ASSERT_TRUE((*f)->PWrite(11, "!"));
  ASSERT_TRUE((*f)->DataSync());
  EXPECT_EQ(*(*f)->Size(), 12u);
  char buf[32];
  auto n = (*f)->PRead(6, buf, sizeof buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string_view(buf, *n), "world!");
  ASSERT_TRUE((*f)->Truncate(5));
  EXPECT_EQ(*fs->ReadFileToString(Path("x")), "hello");
  ASSERT_TRUE(fs->WriteFileAtomically(Path("y"), "data"));
  EXPECT_EQ(*fs->ReadFileToString(Path("y")), "data");
  ASSERT_TRUE(fs->Rename(Path("y"), Path("z")));
  EXPECT_FALSE(fs->Exists(Path("y")));
  auto names = fs->List(dir_.string());
  ASSERT_TRUE(names);
  EXPECT_EQ(names->size(), 3u);  // a, x, z
  ASSERT_TRUE(fs->Unlink(Path("z")));
  EXPECT_EQ(fs->Open(Path("nope"), kOpenRead).error().code(), ErrorCode::kNotFound);
  auto lock = fs->Lock(Path("lock"));
  ASSERT_TRUE(lock);
  auto again = fs->Lock(Path("lock"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kUnavailable);
}

TEST_F(FileSystemTest, FaultInjectionFailsNthWriteAndSync) {
  FaultInjectionFileSystem fs;
  auto f = fs.Open(Path("x"), kOpenWrite | kOpenCreate);
  ASSERT_TRUE(f);
  fs.FailNthWrite(2);
  EXPECT_TRUE((*f)->PWrite(0, "a"));
  EXPECT_FALSE((*f)->PWrite(1, "b"));
  EXPECT_TRUE((*f)->PWrite(1, "c"));
  fs.FailNthSync(1);
  EXPECT_FALSE((*f)->DataSync());
  EXPECT_TRUE((*f)->DataSync());
  fs.ShortWriteNth(1, 2);
  EXPECT_FALSE((*f)->PWrite(2, "12345"));
  EXPECT_EQ(*(*f)->Size(), 4u);  // "ac12"
}

TEST_F(FileSystemTest, SimulatedCrashDropsUnsyncedData) {
  FaultInjectionFileSystem fs;
  {
    auto f = fs.Open(Path("x"), kOpenWrite | kOpenCreate);
    ASSERT_TRUE((*f)->PWrite(0, "durable"));
    ASSERT_TRUE((*f)->Sync());
    ASSERT_TRUE((*f)->PWrite(7, "-lost"));
    auto g = fs.Open(Path("never_synced"), kOpenWrite | kOpenCreate);
    ASSERT_TRUE((*g)->PWrite(0, "gone"));
  }
  ASSERT_TRUE(fs.SimulateCrash());
  EXPECT_EQ(*fs.ReadFileToString(Path("x")), "durable");
  EXPECT_EQ(*fs.ReadFileToString(Path("never_synced")), "");
}

}  // namespace
}  // namespace pinpipe
