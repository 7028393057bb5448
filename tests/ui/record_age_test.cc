#include "ui/record_age.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

namespace pinpipe::ui {
namespace {

class RecordAgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("pinpipe_record_age_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    log::LogOptions o;
    o.dir = dir_.string();
    o.retention_check_interval_ms = 0;
    auto l = log::LogManager::Open(o);
    ASSERT_TRUE(l) << l.error().ToString();
    log_ = std::move(*l);
    ASSERT_TRUE(log_->CreateTopic("t", 1));
    // Two batches: offsets 0-2 at t=1000, 3-4 at t=5000 (CreateTime as given).
    std::vector<log::Record> a(3), b(2);
    for (auto& r : a) r = {std::nullopt, "x", {}, 1000};
    for (auto& r : b) r = {std::nullopt, "y", {}, 5000};
    ASSERT_TRUE(log_->AppendSync("t", 0, a));
    ASSERT_TRUE(log_->AppendSync("t", 0, b));
  }
  void TearDown() override {
    log_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<log::LogManager> log_;
};

TEST_F(RecordAgeTest, TheTimestampOfTheRecordAtAnOffsetInsideABatch) {
  EXPECT_EQ(RecordTimeAt(*log_, "t", 0, 0), 1000);
  EXPECT_EQ(RecordTimeAt(*log_, "t", 0, 2), 1000);
  EXPECT_EQ(RecordTimeAt(*log_, "t", 0, 4), 5000);  // inside the second batch
  EXPECT_EQ(RecordTimeAt(*log_, "t", 0, 5), std::nullopt);  // the high watermark
  EXPECT_EQ(RecordTimeAt(*log_, "nope", 0, 0), std::nullopt);
}

TEST_F(RecordAgeTest, LagInTimeIsTheAgeOfTheOldestUnconsumedRecord) {
  EXPECT_EQ(LagMs(*log_, "t", 0, 0, 9000), 8000);
  EXPECT_EQ(LagMs(*log_, "t", 0, 3, 9000), 4000);
  EXPECT_EQ(LagMs(*log_, "t", 0, 4, 4000), 0);  // a record from the future: not negative
  EXPECT_EQ(LagMs(*log_, "t", 0, 5, 9000), 0);  // caught up
  EXPECT_EQ(LagMs(*log_, "t", 0, 7, 9000), 0);  // past the end (a reset ahead): nothing waits
  EXPECT_EQ(LagMs(*log_, "nope", 0, 0, 9000), std::nullopt);
}

}  // namespace
}  // namespace pinpipe::ui
