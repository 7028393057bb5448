// Kafka Connect's pause / resume / restart on the connector's worker (sink_connector.h): a
// paused connector writes nothing and stays paused in a new process; resumed, or with its
// tasks restarted mid-stream, it writes exactly the objects of an uninterrupted run.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "sink_test_util.h"

namespace pinpipe::sink {
namespace {

class ControlTest : public SinkFixture {
 protected:
  void SetUp() override {
    SinkFixture::SetUp();
    ASSERT_TRUE(log_->CreateTopic("pin", 2));
  }
  void Fill(int from, int to) {
    for (int i = from; i < to; ++i) Append("pin", i % 2, {"{\"i\":" + std::to_string(i) + "}"});
  }
  static bool WaitFor(const std::function<bool()>& pred) {
    for (int i = 0; i < 1000; ++i) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  bool CaughtUp(SinkConnector& c, int64_t per_partition) {
    auto st = c.Snapshot();
    for (int p = 0; p < 2; ++p) {
      auto it = st.partitions.find({"pin", p});
      if (it == st.partitions.end() || it->second.committed != per_partition) return false;
    }
    return true;
  }
  // The objects an uninterrupted run writes over the same log.
  std::map<std::string, std::string> Reference(const SinkConfig& cfg) {
    objstore::LocalObjectStore lake(Lake("ref"));
    auto c = Make(cfg, &lake, Rt("ref_state"));
    EXPECT_TRUE(c->RunUntilCaughtUp(false));
    return Objects(Lake("ref"));
  }
};

TEST_F(ControlTest, PausedWritesNothingStaysPausedAndResumesExactlyOnce) {
  SinkConfig cfg = Config("pin", 2);
  Fill(0, 8);
  objstore::LocalObjectStore lake(Lake());
  {
    auto c = Make(cfg, &lake);
    ASSERT_TRUE(c->Start());
    ASSERT_TRUE(WaitFor([&] { return CaughtUp(*c, 4); }));
    c->Pause();
    EXPECT_TRUE(c->paused());
    ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(StateDir() + "/paused"); }));
    const auto before = Objects(Lake());
    Fill(8, 20);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a running sink lands 6 objects by now
    EXPECT_EQ(Objects(Lake()), before);
    EXPECT_TRUE(CaughtUp(*c, 4));
  }
  // A new connector over the same state starts paused (Connect keeps the state too).
  auto c = Make(cfg, &lake);
  EXPECT_TRUE(c->paused());
  ASSERT_TRUE(c->Start());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(CaughtUp(*c, 4));
  c->Resume();
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*c, 10); }));
  ASSERT_TRUE(WaitFor([&] { return !std::filesystem::exists(StateDir() + "/paused"); }));
  c->Stop();
  EXPECT_EQ(Objects(Lake()), Reference(cfg));
}

TEST_F(ControlTest, RestartedTasksRereadFromTheCommittedOffset) {
  SinkConfig cfg = Config("pin", 3);
  Fill(0, 10);  // 5 per partition: one object of 3, 2 records left open
  objstore::LocalObjectStore lake(Lake());
  auto c = Make(cfg, &lake);
  ASSERT_TRUE(c->Start());
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*c, 3); }));
  // Every task drops its open records and re-reads them; one task alone; the connector alone.
  c->RequestRestart({true, false, std::nullopt});
  c->RequestRestart({false, false, TopicPartition{"pin", 1}});
  c->RequestRestart({false, false, std::nullopt});
  Fill(10, 14);  // 7 per partition: the second object of each closes at 6
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*c, 6); }));
  c->Stop();
  EXPECT_EQ(Objects(Lake()), Reference(cfg));
}

}  // namespace
}  // namespace pinpipe::sink
