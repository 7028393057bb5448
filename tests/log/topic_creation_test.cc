// Creating a topic (directories, segment files, fsyncs) must not stall appends to and lookups
// of the other topics: a file system that blocks one creation in MkdirAll until released lets
// the test assert that another thread's appends complete meanwhile, without timing.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "common/file_system.h"
#include "log/log_manager.h"
#include "log_files.h"

namespace pinpipe::log {
namespace {

// Forwards to the real file system; MkdirAll of a path containing "blocked" waits until
// Release() (and says that it is waiting).
class BlockingFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<File>> Open(const std::string& p, unsigned f) override {
    return base_->Open(p, f);
  }
  Status Rename(const std::string& a, const std::string& b) override { return base_->Rename(a, b); }
  Status Unlink(const std::string& p) override { return base_->Unlink(p); }
  Status MkdirAll(const std::string& p) override {
    if (p.find("blocked") != std::string::npos) {
      std::unique_lock lock(mu_);
      waiting_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return released_; });
    }
    return base_->MkdirAll(p);
  }
  Status Rmdir(const std::string& p) override { return base_->Rmdir(p); }
  Result<std::vector<std::string>> List(const std::string& d) override { return base_->List(d); }
  Result<uint64_t> FileSize(const std::string& p) override { return base_->FileSize(p); }
  bool Exists(const std::string& p) override { return base_->Exists(p); }
  bool IsDirectory(const std::string& p) override { return base_->IsDirectory(p); }
  Status SyncDir(const std::string& d) override { return base_->SyncDir(d); }
  Result<std::unique_ptr<FileLock>> Lock(const std::string& p) override { return base_->Lock(p); }

  void WaitUntilBlocked() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return waiting_; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  FileSystem* base_ = FileSystem::Default();
  std::mutex mu_;
  std::condition_variable cv_;
  bool waiting_ = false, released_ = false;
};

TEST(TopicCreationTest, AppendsToOtherTopicsProceedWhileACreationIsBlocked) {
  auto dir = testing::FreshTestDir(std::filesystem::temp_directory_path(), "pinpipe_create");
  BlockingFileSystem fs;
  LogOptions o;
  o.dir = dir.string();
  o.retention_check_interval_ms = 0;
  o.fs = &fs;
  auto log = LogManager::Open(o);
  ASSERT_TRUE(log) << log.error().ToString();
  Record rec;
  rec.value = "v";
  ASSERT_TRUE((*log)->AppendSync("existing", 0, std::span<const Record>(&rec, 1)));

  // The creator thread blocks inside the file-system work of creating "blocked".
  auto creator = std::async(std::launch::async, [&] { return (*log)->CreateTopic("blocked", 1); });
  fs.WaitUntilBlocked();
  // A fresh thread (no remembered lookups) appends to, reads and lists the existing topic.
  auto appender = std::async(std::launch::async, [&] {
    int ok = 0;
    for (int i = 0; i < 10; ++i) ok += (*log)->AppendSync("existing", 0, std::span<const Record>(&rec, 1)).has_value();
    ok += (*log)->GetTopic("existing").has_value();
    ok += (*log)->ListTopics().size() == 1;
    return ok;
  });
  // Generous bound: before the fix the appender waits for the creation, which never ends
  // until released, so this wait decides the outcome, not a timing measurement.
  const bool finished = appender.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
  fs.Release();
  EXPECT_TRUE(finished) << "appends to another topic waited for a topic creation";
  EXPECT_EQ(appender.get(), 12);
  auto created = creator.get();
  EXPECT_TRUE(created) << created.error().ToString();
  EXPECT_EQ((*log)->ListTopics().size(), 2u);
  log->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pinpipe::log
