// Topic ids (Kafka's KIP-516): given at creation, kept in the topics file across restarts,
// new for a topic deleted and created again; a topics file from before ids gets them once.
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "log_dir_fixture.h"

namespace pinpipe::log {
namespace {

class TopicIdTest : public testing::LogDirTest {
 protected:
  TopicIdTest() : LogDirTest("topic-id") {}
  TopicUuid Id(std::string_view topic) {
    auto t = log_->GetTopic(topic);
    EXPECT_TRUE(t) << t.error().ToString();
    return t ? t->uuid : TopicUuid{};
  }
};

TEST_F(TopicIdTest, AnIdIsKeptAcrossRestartsAndNewForARecreatedTopic) {
  OpenLog();
  ASSERT_TRUE(log_->CreateTopic("a", 1));
  ASSERT_TRUE(log_->CreateTopic("b", 2));
  const TopicUuid a = Id("a"), b = Id("b");
  EXPECT_NE(a, TopicUuid{});
  EXPECT_NE(a, b);
  ASSERT_TRUE(log_->AddPartitions("b", 3));
  EXPECT_EQ(Id("b"), b) << "growing a topic keeps its id";
  EXPECT_EQ(log_->ListTopics()[0].uuid, a);

  OpenLog();  // restart
  EXPECT_EQ(Id("a"), a);
  EXPECT_EQ(Id("b"), b);

  ASSERT_TRUE(log_->DeleteTopic("a"));
  ASSERT_TRUE(log_->GetOrCreateTopic("a"));
  const TopicUuid a2 = Id("a");
  EXPECT_NE(a2, a) << "a topic created again under the name is another topic";
  OpenLog();
  EXPECT_EQ(Id("a"), a2);
}

TEST_F(TopicIdTest, ATopicsFileWithoutIdsGetsThemOnceAndKeepsThem) {
  OpenLog();
  ASSERT_TRUE(log_->CreateTopic("old", 2));
  log_.reset();
  { std::ofstream(dir_ / "log" / "topics", std::ios::trunc) << "old 2\n"; }
  OpenLog();
  const TopicUuid id = Id("old");
  EXPECT_NE(id, TopicUuid{});
  EXPECT_EQ(log_->GetTopic("old")->partitions, 2);
  OpenLog();
  EXPECT_EQ(Id("old"), id);
}

TEST_F(TopicIdTest, TextFormsAreKafkas) {
  TopicUuid id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(i * 17);
  EXPECT_EQ(TopicUuidHex(id), "00112233445566778899aabbccddeeff");
  // Kafka's Uuid.toString: URL-safe base64, no padding.
  EXPECT_EQ(TopicUuidBase64(id), "ABEiM0RVZneImaq7zN3u_w");
  std::set<TopicUuid> seen;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.insert(NewTopicUuid()).second);
}

}  // namespace
}  // namespace pinpipe::log
