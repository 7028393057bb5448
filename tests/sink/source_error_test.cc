// A log the connector cannot read for a while (an external cluster down, kafka.bootstrap):
// the partition's last_error says so ("read failed"), its committed offset stays, nothing is
// written; once reads work again the error clears and the objects are an uninterrupted run's.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "sink_test_util.h"

namespace pinpipe::sink {
namespace {

// The embedded log, with Fetch failing as librdkafka's reader does while no broker answers.
class FlakyReader final : public log::LogReader {
 public:
  explicit FlakyReader(log::LogReader& inner) : inner_(inner) {}
  std::atomic<bool> down{false};
  std::vector<log::TopicPartition> ListPartitions() override { return inner_.ListPartitions(); }
  Result<log::FetchResult> Fetch(const log::TopicPartition& tp, int64_t offset, size_t max_bytes,
                                 std::string& out) override {
    if (down.load()) {
      return MakeError(ErrorCode::kUnavailable, "kafka cluster: All broker connections are down");
    }
    return inner_.Fetch(tp, offset, max_bytes, out);
  }
  Result<log::PartitionOffsets> Offsets(const log::TopicPartition& tp) override { return inner_.Offsets(tp); }
  Result<uint64_t> WaitForData(const log::TopicPartition& tp, int64_t offset, std::function<void()> fn) override {
    return inner_.WaitForData(tp, offset, std::move(fn));
  }
  void CancelWait(uint64_t id) override { inner_.CancelWait(id); }
  Status Produce(std::string_view topic, const log::Record& record) override { return inner_.Produce(topic, record); }

 private:
  log::LogReader& inner_;
};

bool WaitFor(const std::function<bool()>& pred) {
  for (int i = 0; i < 1000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

class SourceErrorTest : public SinkFixture {};

TEST_F(SourceErrorTest, ReadFailuresShowInTheStatusAndKeepThePosition) {
  ASSERT_TRUE(log_->CreateTopic("pin", 1));
  SinkConfig cfg = Config("pin", 2);
  for (int i = 0; i < 4; ++i) Append("pin", 0, {"{\"i\":" + std::to_string(i) + "}"});
  const auto reference = [&] {
    objstore::LocalObjectStore lake(Lake("ref"));
    for (int i = 4; i < 8; ++i) Append("pin", 0, {"{\"i\":" + std::to_string(i) + "}"});
    auto c = Make(cfg, &lake, Rt("ref_state"));
    EXPECT_TRUE(c->RunUntilCaughtUp(false));
    return Objects(Lake("ref"));
  };

  FlakyReader flaky(*source_);
  objstore::LocalObjectStore lake(Lake());
  SinkRuntime rt = Rt("state");
  auto made = SinkConnector::Create(cfg, &flaky, &lake, std::move(rt));
  ASSERT_TRUE(made) << made.error().ToString();
  auto& c = **made;
  const log::TopicPartition tp{"pin", 0};
  auto committed = [&] { return c.Snapshot().partitions[tp].committed; };
  ASSERT_TRUE(c.Start());
  ASSERT_TRUE(WaitFor([&] { return committed() == 4; }));

  flaky.down = true;
  ASSERT_TRUE(WaitFor([&] { return c.Snapshot().partitions[tp].last_error.starts_with("read failed"); }));
  const auto during = Objects(Lake());
  const auto expected = reference();  // appends records 4..7 while the sink cannot read
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto st = c.Snapshot().partitions[tp];
  EXPECT_EQ(st.committed, 4);
  EXPECT_NE(st.last_error.find("All broker connections are down"), std::string::npos) << st.last_error;
  EXPECT_EQ(Objects(Lake()), during);

  flaky.down = false;
  ASSERT_TRUE(WaitFor([&] { return committed() == 8; }));
  EXPECT_EQ(c.Snapshot().partitions[tp].last_error, "");
  c.Stop();
  EXPECT_EQ(Objects(Lake()), expected);
}

}  // namespace
}  // namespace pinpipe::sink
