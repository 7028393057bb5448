// load must not succeed on nothing: no raw objects is "no input" (failed, or skipped when
// configured), a configured lake that does not exist is a configuration error, and load waits
// for the sink to land what the log held when the run started (sink_sensor.h).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "batch/sink_sensor.h"
#include "batch/tasks.h"
#include "common/file_system.h"
#include "log/log_manager.h"
#include "orchestrator/dag.h"
#include "sink/sink_state.h"

namespace pinpipe::batch {
namespace {

namespace fs = std::filesystem;

class LoadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pinpipe_load_XXXXXX";
    dir_ = mkdtemp(tmpl);
    s_.data_dir = dir_;
    s_.lake_uri = dir_ + "/lake";
    s_.pipeline_id = "pinterest";
    s_.topics_dir = "topics";
    s_.quiet = true;
    ctx_.dag_id = "pinterest_batch";
    ctx_.task_id = "load";
    ctx_.logical_date = "2026-11-21";
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Put(const std::string& rel, const std::string& data) {
    fs::create_directories(fs::path(dir_ + "/" + rel).parent_path());
    std::ofstream(dir_ + "/" + rel) << data;
  }
  // `n` one-record batches on pinterest.pin partition 0 of the log in the data dir.
  void Produce(int n) {
    log::LogOptions lo;
    lo.dir = dir_;
    lo.flush.mode = log::FlushPolicy::Mode::kOs;
    lo.retention_check_interval_ms = 0;
    lo.default_partitions = 1;
    auto log = log::LogManager::Open(lo);
    ASSERT_TRUE(log) << log.error().ToString();
    ASSERT_TRUE((*log)->CreateTopic("pinterest.pin", 1));
    for (int i = 0; i < n; ++i) {
      const std::string v = "{\"index\":" + std::to_string(i) + "}";
      log::Record r{std::nullopt, std::string_view(v), {}, -1};
      ASSERT_TRUE((*log)->AppendSync("pinterest.pin", 0, std::span(&r, 1)));
    }
    (*log)->Close();
  }
  void Commit(int64_t committed) {
    sink::SinkState st;
    st.partitions[{"pinterest.pin", 0}].committed = committed;
    sink::StateStore store(FileSystem::Default(), dir_ + "/state/sink");
    ASSERT_TRUE(store.Save(st));
  }

  std::string dir_;
  BatchSettings s_;
  orchestrator::TaskContext ctx_;
};

TEST_F(LoadInputTest, EmptyLakeFailsWithNoInputAndIsNotRetried) {
  fs::create_directories(dir_ + "/lake/topics/pinterest.pin");
  auto r = RunLoad(s_, ctx_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(orchestrator::IsRetryable(r.error()));
  EXPECT_NE(r.error().message().find("no input"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("pinterest.pin"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ + "/lake/manifests"));  // no manifest of nothing
}

TEST_F(LoadInputTest, EmptyLakeWithSkipEndsSkipped) {
  s_.skip_on_no_input = true;
  auto r = RunLoad(s_, ctx_);  // the default lake does not even exist yet
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_NE(r->skip_reason.find("no input"), std::string::npos) << r->skip_reason;
}

TEST_F(LoadInputTest, ConfiguredLakeThatDoesNotExistIsAConfigurationError) {
  s_.lake_uri = dir_ + "/lake-typo";
  s_.lake_configured = true;
  s_.skip_on_no_input = true;  // a typo is not "no input"
  auto r = RunLoad(s_, ctx_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(r.error().message().find("lake-typo does not exist"), std::string::npos)
      << r.error().message();
  EXPECT_FALSE(fs::exists(dir_ + "/lake-typo"));
}

TEST_F(LoadInputTest, OneObjectIsInput) {
  Put("lake/topics/pinterest.geo/partition=0/pinterest.geo+0+0000000000.json", "{}\n");
  auto r = RunLoad(s_, ctx_);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->skip_reason.empty());
  EXPECT_EQ(r->records_out, 1);
}

TEST_F(LoadInputTest, LogEndOffsetsAreReadWithoutOpeningTheLog) {
  Produce(5);
  auto ends = ReadLogEndOffsets(dir_, {"pinterest.pin", "pinterest.geo"});
  ASSERT_TRUE(ends) << ends.error().message();
  ASSERT_EQ(ends->size(), 1u);
  EXPECT_EQ(ends->at({"pinterest.pin", 0}), 5);
  auto none = ReadLogEndOffsets(dir_ + "/nothing", {"pinterest.pin"});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(LoadInputTest, SensorTimesOutWhileTheSinkIsBehindAndPassesOnceItCaughtUp) {
  Produce(3);
  Put("lake/topics/pinterest.pin/partition=0/pinterest.pin+0+0000000000.json", "{}\n");
  s_.sink_wait_ms = 1000;
  // No sink state at all: the sink never ran.
  auto r = RunLoad(s_, ctx_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kTimeout);
  EXPECT_NE(r.error().message().find("pinterest.pin-0 committed 0 of 3"), std::string::npos)
      << r.error().message();
  Commit(2);
  r = RunLoad(s_, ctx_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("committed 2 of 3"), std::string::npos);
  Commit(3);
  r = RunLoad(s_, ctx_);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->records_out, 1);
}

TEST_F(LoadInputTest, SensorWaitsForASinkThatCatchesUpDuringTheWait) {
  Produce(2);
  Put("lake/topics/pinterest.pin/partition=0/pinterest.pin+0+0000000000.json", "{}\n");
  s_.sink_wait_ms = 20000;
  std::thread late([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    Commit(2);
  });
  auto r = RunLoad(s_, ctx_);
  late.join();
  ASSERT_TRUE(r) << r.error().message();
}

TEST_F(LoadInputTest, NoLogOrZeroWaitDoesNotWait) {
  Put("lake/topics/pinterest.pin/partition=0/pinterest.pin+0+0000000000.json", "{}\n");
  s_.sink_wait_ms = 600000;  // would hang the test if it waited
  ASSERT_TRUE(RunLoad(s_, ctx_));
  Produce(1);
  s_.sink_wait_ms = 0;
  ASSERT_TRUE(RunLoad(s_, ctx_));
}

}  // namespace
}  // namespace pinpipe::batch
