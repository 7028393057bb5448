// LogManager::DeleteTopic: the topic is gone for every caller (lookups remembered per thread
// included), appends and reads racing it fail with kNotFound and nothing else, waiters wake,
// committed offsets are dropped, its directories are renamed "-delete" and removed, a crash in
// the middle is finished at the next start, and a topic created again under the name starts
// empty at offset 0.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/file_system.h"
#include "log/log_manager.h"
#include "log/offset_store.h"
#include "log_dir_fixture.h"
#include "log_files.h"

namespace pinpipe::log {
namespace {

namespace fs = std::filesystem;

class DeleteTopicTest : public testing::LogDirTest {
 protected:
  DeleteTopicTest() : LogDirTest("pinpipe_deltopic") {}
  void SetUp() override {
    LogDirTest::SetUp();
    options_.auto_create = false;
  }
  // Names in <dir>/log that are directories.
  std::vector<std::string> LogDirs() {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_ / "log")) {
      if (e.is_directory()) out.push_back(e.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  // The background removal is asynchronous: wait (bounded) until no "-delete" dir is left.
  std::vector<std::string> LogDirsAfterRemoval() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (true) {
      auto dirs = LogDirs();
      bool pending = false;
      for (const auto& d : dirs) pending |= d.ends_with("-delete");
      if (!pending || std::chrono::steady_clock::now() > deadline) return dirs;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  // The topics file without the topic ids ("name partitions" per line).
  std::string TopicsFile() {
    std::istringstream in(testing::ReadFileBytes(dir_ / "log" / "topics"));
    std::string out, name, count, id;
    while (in >> name >> count >> id) out += name + " " + count + "\n";
    return out;
  }

};

TEST_F(DeleteTopicTest, DeletesDataOffsetsAndDirectoriesAndRecreateStartsAtZero) {
  OpenLog();
  ASSERT_TRUE(log_->CreateTopic("t", 2));
  ASSERT_TRUE(log_->CreateTopic("keep", 1));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Append("t", i % 2, "old" + std::to_string(i)));
  ASSERT_TRUE(Append("keep", 0, "k"));
  OffsetCommit c{"t", 0, 3, ""}, k{"keep", 0, 1, ""};
  ASSERT_TRUE(log_->offsets().Commit("g", std::span<const OffsetCommit>(&c, 1)));
  ASSERT_TRUE(log_->offsets().Commit("g", std::span<const OffsetCommit>(&k, 1)));

  ASSERT_TRUE(log_->DeleteTopic("t"));
  EXPECT_EQ(log_->GetTopic("t").error().code(), ErrorCode::kNotFound);
  std::string buf;
  EXPECT_EQ(log_->Read("t", 0, 0, 1000, buf).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(Append("t", 0, "x").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(log_->DeleteTopic("t").error().code(), ErrorCode::kNotFound);
  ASSERT_EQ(log_->ListTopics().size(), 1u);
  EXPECT_EQ(log_->ListTopics()[0].name, "keep");
  EXPECT_FALSE(log_->offsets().Fetch("g", "t", 0).has_value());
  EXPECT_EQ(log_->offsets().Fetch("g", "keep", 0)->offset, 1);
  EXPECT_EQ(TopicsFile(), "keep 1\n");
  EXPECT_EQ(LogDirsAfterRemoval(), std::vector<std::string>{"keep-0"});

  // Same name again: empty, offsets from 0, none of the old data (this thread looked "t" up
  // before the deletion: its remembered lookup must not reach the old topic).
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  EXPECT_EQ(log_->GetPartitionInfo("t", 0)->log_end_offset, 0);
  EXPECT_TRUE(Values("t", 0).empty());
  auto r = Append("t", 0, "new");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->base_offset, 0);
  EXPECT_EQ(Values("t", 0), std::vector<std::string>{"new"});
  EXPECT_FALSE(log_->offsets().Fetch("g", "t", 0).has_value());

  OpenLog();  // and after a restart
  EXPECT_EQ(log_->GetTopic("t")->partitions, 1);
  EXPECT_EQ(Values("t", 0), std::vector<std::string>{"new"});
  EXPECT_EQ(Values("keep", 0), std::vector<std::string>{"k"});
  EXPECT_FALSE(log_->offsets().Fetch("g", "t", 0).has_value());
  EXPECT_EQ(TopicsFile(), "keep 1\nt 1\n");
}

// Sealed segments are read through a cache of descriptors keyed by path; the recreated topic
// reuses the paths, so it must never be served the deleted topic's files.
TEST_F(DeleteTopicTest, RecreatedTopicNeverReadsTheDeletedTopicsCachedFiles) {
  options_.segment_bytes = 1024;
  OpenLog();
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  const std::string pad(200, 'o');
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Append("t", 0, "old" + std::to_string(i) + pad));
  ASSERT_GT(log_->GetPartitionInfo("t", 0)->segments, 2);
  ASSERT_EQ(Values("t", 0).size(), 20u);  // every sealed segment's descriptor is cached now
  ASSERT_TRUE(log_->DeleteTopic("t"));
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  std::vector<std::string> expect;
  const std::string pad2(200, 'n');
  for (int i = 0; i < 20; ++i) {
    expect.push_back("new" + std::to_string(i) + pad2);
    ASSERT_TRUE(Append("t", 0, expect.back()));
  }
  ASSERT_GT(log_->GetPartitionInfo("t", 0)->segments, 2);
  EXPECT_EQ(Values("t", 0), expect);
}

TEST_F(DeleteTopicTest, WaitersWakeAndLearnTheTopicIsGone) {
  OpenLog();
  ASSERT_TRUE(log_->CreateTopic("w", 1));
  std::promise<void> fired;
  auto id = log_->WaitForData("w", 0, 0, [&] { fired.set_value(); });
  ASSERT_TRUE(id);
  ASSERT_NE(*id, 0u);
  auto blocking = std::async(std::launch::async, [&] {
    return log_->WaitForOffset("w", 0, 0, std::chrono::seconds(60));
  });
  // Let the blocking waiter register (it returns false either way; what matters is that it
  // returns long before its timeout once the topic is deleted).
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(log_->DeleteTopic("w"));
  ASSERT_EQ(fired.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  ASSERT_EQ(blocking.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_FALSE(blocking.get());
  EXPECT_FALSE(log_->CancelWait(*id));
  std::string buf;
  EXPECT_EQ(log_->Read("w", 0, 0, 1000, buf).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(log_->WaitForData("w", 0, 0, [] {}).error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(log_->WaitForOffset("w", 0, 0, std::chrono::milliseconds(1)));
}

// Callbacks run with no log lock held (the contract), also those a deletion fires: a waiter
// that creates the topic again from its callback (as an auto-creating reader may) does not
// deadlock with the deletion.
TEST_F(DeleteTopicTest, CallbacksFiredByTheDeletionMayCallTheLog) {
  OpenLog();
  ASSERT_TRUE(log_->CreateTopic("w", 1));
  std::atomic<bool> created{false};
  auto id = log_->WaitForData("w", 0, 0, [&] { created = log_->CreateTopic("w", 2).has_value(); });
  ASSERT_TRUE(id);
  ASSERT_TRUE(log_->DeleteTopic("w"));
  EXPECT_TRUE(created.load());
  EXPECT_EQ(log_->GetTopic("w")->partitions, 2);
}

// Writers and readers run on the topic while it is deleted and created again. Every failure
// is kNotFound (never another error, never a crash), and the new topic holds only records
// appended after each writer learned of the deletion, from offset 0.
TEST_F(DeleteTopicTest, ConcurrentAppendsAndReadsWhileDeletingAndRecreating) {
  OpenLog();
  ASSERT_TRUE(log_->CreateTopic("d", 2));
  constexpr int kWriters = 3, kReaders = 2;
  std::atomic<bool> stop{false};
  std::atomic<int> saw_gone{0}, other_errors{0}, appended_before{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      bool gone = false;
      int n = 0;
      while (!stop.load()) {
        std::string v = (gone ? "new-" : "old-") + std::to_string(w) + "-" + std::to_string(n);
        auto r = Append("d", n % 2, v);
        if (r) {
          ++n;
          if (!gone) appended_before.fetch_add(1);
        } else if (r.error().code() == ErrorCode::kNotFound) {
          if (!gone) saw_gone.fetch_add(1);
          gone = true;
          std::this_thread::yield();
        } else {
          other_errors.fetch_add(1);
          ADD_FAILURE() << r.error().ToString();
        }
      }
    });
  }
  for (int rd = 0; rd < kReaders; ++rd) {
    threads.emplace_back([&, rd] {
      int64_t from = 0;
      while (!stop.load()) {
        std::string buf;
        auto r = log_->Read("d", rd % 2, from, 4096, buf);
        if (r) {
          from = r->out_of_range ? 0 : r->next_offset;
        } else if (r.error().code() == ErrorCode::kNotFound) {
          from = 0;
          std::this_thread::yield();
        } else {
          other_errors.fetch_add(1);
          ADD_FAILURE() << r.error().ToString();
        }
        auto info = log_->GetPartitionInfo("d", rd % 2);
        if (!info && info.error().code() != ErrorCode::kNotFound) other_errors.fetch_add(1);
      }
    });
  }
  auto until = [](auto pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!pred() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return pred();
  };
  ASSERT_TRUE(until([&] { return appended_before.load() >= 30; }));
  ASSERT_TRUE(log_->DeleteTopic("d"));
  ASSERT_TRUE(until([&] { return saw_gone.load() == kWriters; }));
  ASSERT_TRUE(log_->CreateTopic("d", 2));
  int64_t total = 0;
  ASSERT_TRUE(until([&] {
    total = log_->GetPartitionInfo("d", 0)->high_watermark +
            log_->GetPartitionInfo("d", 1)->high_watermark;
    return total >= 30;
  }));
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(other_errors.load(), 0);
  for (int p = 0; p < 2; ++p) {
    auto values = Values("d", p);
    EXPECT_EQ(static_cast<int64_t>(values.size()), log_->GetPartitionInfo("d", p)->log_end_offset);
    for (const auto& v : values) EXPECT_TRUE(v.starts_with("new-")) << v;
  }
}

// A topics file that lost a topic (damage, a restored backup): its directories are adopted with
// every acknowledged record — a directory the file does not name is never taken for a deletion.
TEST_F(DeleteTopicTest, ATopicTheFileDoesNotNameIsKeptWithItsRecords) {
  OpenLog();
  ASSERT_TRUE(log_->CreateTopic("lost", 2));
  ASSERT_TRUE(log_->CreateTopic("kept", 1));
  ASSERT_TRUE(Append("lost", 1, "x"));
  ASSERT_TRUE(Append("kept", 0, "y"));
  log_.reset();
  { std::ofstream(dir_ / "log" / "topics", std::ios::trunc) << "kept 1\n"; }
  OpenLog();
  ASSERT_TRUE(log_->GetTopic("lost"));
  EXPECT_EQ(log_->GetTopic("lost")->partitions, 2);
  EXPECT_EQ(Values("lost", 1), std::vector<std::string>{"x"});
  EXPECT_EQ(Values("kept", 0), std::vector<std::string>{"y"});
}

// A crash after the renames but before the topics file was rewritten: the file still names
// the topic, its directories are all "-delete": the next start finishes the deletion.
TEST_F(DeleteTopicTest, StartFinishesADeletionInterruptedBeforeTheFileWasRewritten) {
  OpenLog();
  ASSERT_TRUE(log_->CreateTopic("gone", 2));
  ASSERT_TRUE(log_->CreateTopic("kept", 1));
  ASSERT_TRUE(Append("gone", 1, "x"));
  ASSERT_TRUE(Append("kept", 0, "y"));
  log_.reset();
  for (int p = 0; p < 2; ++p) {
    fs::rename(dir_ / "log" / ("gone-" + std::to_string(p)),
               dir_ / "log" / ("gone-" + std::to_string(p) + ".1764961234000_" + std::to_string(p) + "-delete"));
  }
  OpenLog();
  EXPECT_EQ(log_->GetTopic("gone").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(LogDirs(), std::vector<std::string>{"kept-0"});
  EXPECT_EQ(Values("kept", 0), std::vector<std::string>{"y"});
  log_.reset();
  OpenLog();  // the file was rewritten: the topic stays gone
  EXPECT_EQ(log_->GetTopic("gone").error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(log_->CreateTopic("gone", 1));
  EXPECT_TRUE(Values("gone", 0).empty());
}

// A crash after the renames (or during the background removal): leftover "-delete"
// directories are removed at start-up, beside a topic created again under the same name.
TEST_F(DeleteTopicTest, StartRemovesLeftoverDeleteDirectories) {
  OpenLog();
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  ASSERT_TRUE(Append("t", 0, "old"));
  log_.reset();
  // What DeleteTopic leaves if the process dies before its background removal.
  fs::rename(dir_ / "log" / "t-0", dir_ / "log" / "t-0.1764961234000_0-delete");
  { std::ofstream(dir_ / "log" / "topics", std::ios::trunc) << ""; }
  OpenLog();
  EXPECT_EQ(log_->GetTopic("t").error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(LogDirs().empty());
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  ASSERT_TRUE(Append("t", 0, "new"));
  log_.reset();
  fs::create_directory(dir_ / "log" / "t-0.1764961234001_0-delete");
  std::ofstream(dir_ / "log" / "t-0.1764961234001_0-delete" / "00000000000000000000.log")
      << "stale";
  OpenLog();
  EXPECT_EQ(LogDirs(), std::vector<std::string>{"t-0"});
  EXPECT_EQ(Values("t", 0), std::vector<std::string>{"new"});
}

// Deleting while the partition has appends waiting for their group commit: they fail with
// kNotFound or succeed, and a second log opened on the directory sees no trace of them.
TEST_F(DeleteTopicTest, ClosesCleanlyAfterDeletesAndLeavesNothingBehind) {
  OpenLog();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(log_->CreateTopic("c", 3));
    for (int p = 0; p < 3; ++p) ASSERT_TRUE(Append("c", p, "v"));
    ASSERT_TRUE(log_->DeleteTopic("c"));
  }
  log_->Close();
  log_.reset();
  OpenLog();
  EXPECT_TRUE(log_->ListTopics().empty());
  EXPECT_TRUE(LogDirs().empty());
}

}  // namespace
}  // namespace pinpipe::log
