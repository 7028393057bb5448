// The running connector and a topic deleted under it (LogManager::DeleteTopic): the partition's
// task and state go, and the topic created again is copied from offset 0 — never a FAILED task
// "committed offset beyond the log end".
#include <chrono>
#include <thread>

#include "sink_test_util.h"

namespace pinpipe::sink {
namespace {

class DeletedTopicTest : public SinkFixture {};

TEST_F(DeletedTopicTest, RecreatedTopicIsCopiedFromZero) {
  Append("t", 0, {"1", "2", "3", "4"});
  objstore::LocalObjectStore lake(Lake());
  SinkConfig cfg = Config("t", 2);
  cfg.poll_interval_ms = 5;
  cfg.topic_refresh_ms = 20;
  auto c = Make(cfg, &lake);
  ASSERT_TRUE(c->Start());
  auto wait = [&](auto pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!pred() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return pred();
  };
  auto state = [&]() -> std::optional<PartitionState> {
    auto s = c->Snapshot();
    auto it = s.partitions.find({"t", 0});
    if (it == s.partitions.end()) return std::nullopt;
    return it->second;
  };
  ASSERT_TRUE(wait([&] { auto s = state(); return s && s->committed == 4; }));
  ASSERT_TRUE(log_->DeleteTopic("t"));
  ASSERT_TRUE(wait([&] { return !state().has_value(); }));  // task and state dropped
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  Append("t", 0, {"5", "6"});
  ASSERT_TRUE(wait([&] { auto s = state(); return s && s->committed == 2; }));
  c->Stop();
  auto s = state();
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->failed) << s->last_error;
  // The new topic's first object replaced the old one of the same name (offset 0).
  auto objs = Objects(Lake());
  EXPECT_EQ(objs["topics/t/partition=0/t+0+0000000000.json"], "5\n6\n");
  EXPECT_EQ(objs["topics/t/partition=0/t+0+0000000002.json"], "3\n4\n");
}

}  // namespace
}  // namespace pinpipe::sink
