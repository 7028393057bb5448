#include "log/topic_configs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "common/file_system.h"
#include "log/log_manager.h"
#include "log_dir_fixture.h"

namespace pinpipe::log {
namespace {

namespace fs = std::filesystem;

class TopicConfigsTest : public testing::LogDirTest {
 protected:
  TopicConfigsTest() : LogDirTest("pinpipe_topic_configs") {}
  void SetUp() override {
    LogDirTest::SetUp();
    options_.clock = &clock_;
    options_.segment_bytes = 2048;
    options_.retention_bytes = -1;
    options_.retention_ms = -1;
  }
  void Fill(std::string_view topic, int n) {
    std::string value(200, 'x');
    for (int i = 0; i < n; ++i) {
      Record rec;
      rec.value = value;
      ASSERT_TRUE(log_->AppendSync(topic, 0, std::span<const Record>(&rec, 1)));
    }
  }
  int32_t Segments(std::string_view topic) { return log_->GetPartitionInfo(topic, 0)->segments; }
  Status Set(std::string_view topic, std::string name, std::string value) {
    ConfigChange c{std::move(name), ConfigOp::kSet, std::move(value)};
    return log_->AlterTopicConfig(topic, std::span<const ConfigChange>(&c, 1), false);
  }
};

TEST_F(TopicConfigsTest, RetentionMsOverrideTrimsOnlyItsTopic) {
  OpenLog();
  ASSERT_TRUE(log_->CreateTopic("short", 1));
  ASSERT_TRUE(log_->CreateTopic("kept", 1));
  ASSERT_TRUE(Set("short", "retention.ms", "1000"));
  Fill("short", 100);
  Fill("kept", 100);
  ASSERT_GT(Segments("short"), 3);
  const int32_t kept_segments = Segments("kept");
  EXPECT_EQ(log_->EnforceRetention(), 0);  // nothing is older than 1 s yet
  clock_.Advance(5000);
  EXPECT_GT(log_->EnforceRetention(), 0);
  EXPECT_EQ(Segments("short"), 1);  // only the active segment stays
  EXPECT_GT(log_->GetPartitionInfo("short", 0)->log_start_offset, 0);
  EXPECT_EQ(Segments("kept"), kept_segments);  // global retention: unlimited
  EXPECT_EQ(log_->GetPartitionInfo("kept", 0)->log_start_offset, 0);
}

TEST_F(TopicConfigsTest, RetentionBytesOverrideAndItsRemoval) {
  OpenLog();
  EXPECT_EQ(Set("s", "retention.bytes", "1").error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(log_->CreateTopic("s", 1));
  ASSERT_TRUE(Set("s", "retention.bytes", "4096"));
  Fill("s", 100);
  EXPECT_GT(log_->EnforceRetention(), 0);
  auto info = log_->GetPartitionInfo("s", 0);
  EXPECT_LE(info->size_bytes, 4096u + 2048u);
  // Deleting the override again: the global (unlimited) applies.
  ConfigChange del{"retention.bytes", ConfigOp::kDelete, std::nullopt};
  ASSERT_TRUE(log_->AlterTopicConfig("s", std::span<const ConfigChange>(&del, 1), false));
  EXPECT_TRUE(log_->TopicConfigOverrides("s")->empty());
  Fill("s", 100);
  EXPECT_EQ(log_->EnforceRetention(), 0);
}

TEST_F(TopicConfigsTest, SegmentBytesOverrideRollsPerTopic) {
  OpenLog();
  ASSERT_TRUE(log_->CreateTopic("big", 1));
  ASSERT_TRUE(log_->CreateTopic("small", 1));
  ASSERT_TRUE(Set("big", "segment.bytes", "1048576"));
  Fill("big", 100);
  Fill("small", 100);
  EXPECT_EQ(Segments("big"), 1);
  EXPECT_GT(Segments("small"), 5);
}

TEST_F(TopicConfigsTest, OverridesSurviveARestartAndStayInForce) {
  OpenLog();
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  ASSERT_TRUE(Set("t", "retention.ms", "1000"));
  ASSERT_TRUE(Set("t", "segment.bytes", " 2097152 "));  // Kafka trims values
  OpenLog();
  auto o = log_->TopicConfigOverrides("t");
  ASSERT_TRUE(o);
  EXPECT_EQ(*o, (std::map<std::string, std::string>{{"retention.ms", "1000"},
                                                     {"segment.bytes", "2097152"}}));
  Fill("t", 100);
  EXPECT_EQ(Segments("t"), 1);  // 2 MiB segments, not the global 2 KiB
  std::ifstream in(dir_ / "log" / "topic-configs");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "t retention.ms 1000\nt segment.bytes 2097152\n");
}

TEST_F(TopicConfigsTest, ADeletedTopicsOverridesGoWithIt) {
  OpenLog();
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  ASSERT_TRUE(Set("t", "segment.bytes", "1048576"));
  ASSERT_TRUE(log_->DeleteTopic("t"));
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  auto o = log_->TopicConfigOverrides("t");
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->empty());
  Fill("t", 100);
  EXPECT_GT(Segments("t"), 5);  // the global 2 KiB segments again, not the old 1 MiB
  OpenLog();
  o = log_->TopicConfigOverrides("t");
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->empty());
}

TEST_F(TopicConfigsTest, InvalidChangesAreRefusedWithKafkasWordsAndChangeNothing) {
  OpenLog();
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  ASSERT_TRUE(Set("t", "retention.ms", "5000"));
  auto expect_refused = [&](std::vector<ConfigChange> changes, std::string_view message) {
    Status st = log_->AlterTopicConfig("t", changes, false);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(st.error().message().find(message), std::string::npos) << st.error().message();
    EXPECT_EQ(*log_->TopicConfigOverrides("t"),
              (std::map<std::string, std::string>{{"retention.ms", "5000"}}));
  };
  // A valid change before the bad one is not applied either.
  expect_refused({{"retention.ms", ConfigOp::kSet, "7"}, {"segment.bytes", ConfigOp::kSet, "1000"}},
                 "Invalid value 1000 for configuration segment.bytes: Value must be at least 1048576");
  expect_refused({{"retention.ms", ConfigOp::kSet, "soon"}},
                 "Invalid value soon for configuration retention.ms: Not a number of type LONG");
  expect_refused({{"retention.ms", ConfigOp::kSet, "-2"}}, "Value must be at least -1");
  expect_refused({{"segment.bytes", ConfigOp::kSet, "4294967296"}}, "Not a number of type INT");
  expect_refused({{"cleanup.policy", ConfigOp::kSet, "compact"}},
                 "Topic config cleanup.policy is not supported by pinpipe");
  expect_refused({{"no.such.thing", ConfigOp::kSet, "1"}}, "Unknown topic config name: no.such.thing");
  expect_refused({{"retention.ms", ConfigOp::kAppend, "1"}}, "append/subtract is not allowed");
  // validate_only checks without changing.
  ConfigChange ok{"retention.ms", ConfigOp::kSet, "9"};
  EXPECT_TRUE(log_->AlterTopicConfig("t", std::span<const ConfigChange>(&ok, 1), true));
  EXPECT_EQ(log_->TopicConfigOverrides("t")->at("retention.ms"), "5000");
  // Unknown topics are kNotFound.
  EXPECT_EQ(log_->AlterTopicConfig("nope", std::span<const ConfigChange>(&ok, 1), false)
                .error()
                .code(),
            ErrorCode::kNotFound);
}

TEST_F(TopicConfigsTest, ReplaceSetsExactlyTheGivenOverrides) {
  OpenLog();
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  ASSERT_TRUE(Set("t", "retention.ms", "5000"));
  std::vector<std::pair<std::string, std::string>> configs = {{"retention.bytes", "100"}};
  ASSERT_TRUE(log_->ReplaceTopicConfig("t", configs, false));
  EXPECT_EQ(*log_->TopicConfigOverrides("t"),
            (std::map<std::string, std::string>{{"retention.bytes", "100"}}));
}

}  // namespace
}  // namespace pinpipe::log
