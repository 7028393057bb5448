// LogManager::AddPartitions: a topic grows while appends and reads run on it; the growth is
// persisted (topics file) and survives a restart and a crash before the topics file rewrite.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <vector>

#include "common/file_system.h"
#include "log/log_manager.h"
#include "log_dir_fixture.h"
#include "log_files.h"

namespace pinpipe::log {
namespace {

namespace fs = std::filesystem;

class AddPartitionsTest : public testing::LogDirTest {
 protected:
  AddPartitionsTest() : LogDirTest("pinpipe_addparts") {}
};

TEST_F(AddPartitionsTest, GrowsKeepsDataAndPersists) {
  OpenLog();
  ASSERT_TRUE(log_->CreateTopic("t", 2));
  ASSERT_TRUE(Append("t", 1, "old"));
  std::string buf;
  EXPECT_EQ(log_->Read("t", 3, 0, 1000, buf).error().code(), ErrorCode::kNotFound);

  ASSERT_TRUE(log_->AddPartitions("t", 4));
  EXPECT_EQ(log_->GetTopic("t")->partitions, 4);
  EXPECT_EQ(log_->ListTopics().at(0).partitions, 4);
  ASSERT_TRUE(Append("t", 3, "new"));
  EXPECT_EQ(Values("t", 1), std::vector<std::string>{"old"});
  EXPECT_EQ(Values("t", 3), std::vector<std::string>{"new"});
  EXPECT_EQ(log_->GetPartitionInfo("t", 2)->log_end_offset, 0);

  // Refusals: unknown topic, not growing, over the limit.
  EXPECT_EQ(log_->AddPartitions("nope", 3).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(log_->AddPartitions("t", 4).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(log_->AddPartitions("t", 1).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(log_->AddPartitions("t", 10001).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(log_->GetTopic("t")->partitions, 4);

  OpenLog();  // restart
  EXPECT_EQ(log_->GetTopic("t")->partitions, 4);
  EXPECT_EQ(Values("t", 3), std::vector<std::string>{"new"});
  std::ifstream topics(dir_ / "log" / "topics");
  std::string text((std::istreambuf_iterator<char>(topics)), {});
  EXPECT_EQ(text, "t 4 " + TopicUuidHex(log_->GetTopic("t")->uuid) + "\n");
}

// A crash after the new partitions exist but before the topics file names them: the next
// start counts the partition directories and keeps the acknowledged records.
TEST_F(AddPartitionsTest, CrashBeforeTheTopicsFileRewriteKeepsTheNewPartitions) {
  FaultInjectionFileSystem ffs;
  options_.fs = &ffs;
  OpenLog();
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  ASSERT_TRUE(log_->AddPartitions("t", 3));
  ASSERT_TRUE(Append("t", 2, "acked"));  // flush=always: durable when acknowledged
  ASSERT_TRUE(ffs.SimulateCrash());
  log_.reset();
  // The rewrite "did not happen": the file names the old count.
  { std::ofstream(dir_ / "log" / "topics", std::ios::trunc) << "t 1\n"; }
  OpenLog();
  EXPECT_EQ(log_->GetTopic("t")->partitions, 3);
  EXPECT_EQ(Values("t", 2), std::vector<std::string>{"acked"});
  log_.reset();  // before ffs goes away
}

// Appenders and readers run on every partition they can see while the topic grows 1 -> 8:
// each lookup sees a whole list, appends to new partitions succeed as soon as they are
// visible, and every acknowledged record is read back once, in order, from its partition.
TEST_F(AddPartitionsTest, ConcurrentAppendsAndReadsDuringGrowth) {
  OpenLog();
  ASSERT_TRUE(log_->CreateTopic("g", 1));
  constexpr int kWriters = 3;
  constexpr int kFinal = 8;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  // Per writer, per partition: how many records it appended (values "w<i>-<n>").
  std::vector<std::map<int32_t, int>> appended(kWriters);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      int n = 0;
      while (!done.load()) {
        auto info = log_->GetTopic("g");
        if (!info || info->partitions < 1 || info->partitions > kFinal) {
          failures++;
          return;
        }
        int32_t p = n % info->partitions;
        Record rec;
        std::string value = "w" + std::to_string(w) + "-" + std::to_string(appended[w][p]);
        rec.value = value;
        auto r = log_->Append("g", p, std::span<const Record>(&rec, 1));
        if (!r) {
          failures++;
          return;
        }
        appended[w][p]++;
        ++n;
      }
    });
  }
  threads.emplace_back([&] {  // reader: walks every visible partition
    std::vector<int64_t> next(kFinal, 0);
    while (!done.load()) {
      auto info = log_->GetTopic("g");
      if (!info) {
        failures++;
        return;
      }
      for (int32_t p = 0; p < info->partitions; ++p) {
        std::string buf;
        auto r = log_->Read("g", p, next[p], 1 << 16, buf);
        if (!r || r->out_of_range) {
          failures++;
          return;
        }
        next[p] = r->next_offset;
      }
    }
  });
  for (int32_t total = 2; total <= kFinal; ++total) {
    ASSERT_TRUE(log_->AddPartitions("g", total));
    // Let the writers reach the new partition before growing again.
    while (log_->GetPartitionInfo("g", total - 1)->high_watermark < 5 && failures.load() == 0) {
      std::this_thread::yield();
    }
  }
  done = true;
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_TRUE(log_->Flush());
  for (int32_t p = 0; p < kFinal; ++p) {
    std::map<int, int> seen;  // writer -> next expected sequence
    for (const std::string& v : Values("g", p)) {
      int w = v[1] - '0';
      int seq = std::stoi(v.substr(v.find('-') + 1));
      EXPECT_EQ(seq, seen[w]) << "partition " << p << " writer " << w;
      seen[w] = seq + 1;
    }
    for (int w = 0; w < kWriters; ++w) {
      EXPECT_EQ(seen[w], appended[w][p]) << "partition " << p << " writer " << w;
    }
  }
}

}  // namespace
}  // namespace pinpipe::log
