// Metadata v10+ and topic IDs: every topic is answered with its id, a lookup by id finds the
// topic, and the id of a topic deleted (and created again under its name) is UNKNOWN_TOPIC_ID
// with a null name — as Kafka 4.4 answers (tests/integration/test_kafka_topic_ids.py compares).
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "groups/group_coordinator.h"
#include "kafka/api_versions.h"
#include "kafka/broker.h"
#include "kafka/errors.h"
#include "kafka/wire.h"
#include "log/log_manager.h"
#include "../log/log_files.h"

namespace pinpipe::kafka {
namespace {

struct TopicAnswer {
  int16_t error = -2;
  std::optional<std::string> name;
  log::TopicUuid id{};
  int32_t partitions = -1;
};

class MetadataTopicIdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = log::testing::FreshTestDir(std::filesystem::temp_directory_path(), "metadata-ids");
    options_.dir = dir_.string();
    options_.retention_check_interval_ms = 0;
    Open();
  }
  void TearDown() override {
    broker_.reset();
    log_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    broker_.reset();
    log_.reset();
    auto opened = log::LogManager::Open(options_);
    ASSERT_TRUE(opened) << opened.error().ToString();
    log_ = std::move(*opened);
    broker_ = std::make_unique<Broker>(*log_, groups_, BrokerOptions{});
  }

  // Metadata v12 for one topic, by id (non-zero) or by name; allow_auto_topic_creation false.
  TopicAnswer Lookup(std::optional<std::string_view> name, const log::TopicUuid& id) {
    Request req;
    req.header.api_key = kMetadata;
    req.header.api_version = 12;
    req.header.flexible = true;
    Writer w(req.frame);
    w.ArrayLength(1, true);
    for (uint8_t b : id) w.I8(static_cast<int8_t>(b));
    w.NullableString(name, true);
    w.EmptyTaggedFields();
    w.Bool(false);  // allow_auto_topic_creation
    w.Bool(false);  // include_topic_authorized_operations
    w.EmptyTaggedFields();
    req.body = req.frame;
    std::promise<std::string> answered;
    broker_->Handle(req, Reply([&](ReplyKind, std::string body) { answered.set_value(std::move(body)); }));
    std::string body = answered.get_future().get();
    Reader r(body);
    r.I32();  // throttle
    EXPECT_EQ(r.ArrayLength(true), 1);
    r.I32();
    r.String(true);
    r.I32();
    r.NullableString(true);
    r.SkipTaggedFields();
    r.NullableString(true);  // cluster id
    r.I32();                 // controller
    EXPECT_EQ(r.ArrayLength(true), 1);
    TopicAnswer a;
    a.error = r.I16();
    if (auto n = r.NullableString(true)) a.name = std::string(*n);
    for (auto& b : a.id) b = static_cast<uint8_t>(r.I8());
    r.Bool();
    a.partitions = r.ArrayLength(true);
    EXPECT_FALSE(r.failed());
    return a;
  }

  std::filesystem::path dir_;
  log::LogOptions options_;
  groups::GroupCoordinator groups_;
  std::unique_ptr<log::LogManager> log_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(MetadataTopicIdTest, IdsAreAnsweredKeptAndNewForARecreatedTopic) {
  ASSERT_TRUE(log_->CreateTopic("t", 2));
  TopicAnswer by_name = Lookup("t", {});
  ASSERT_EQ(by_name.error, err::kNone);
  EXPECT_EQ(by_name.id, log_->GetTopic("t")->uuid);
  EXPECT_NE(by_name.id, log::TopicUuid{});
  EXPECT_EQ(by_name.partitions, 2);
  TopicAnswer by_id = Lookup(std::nullopt, by_name.id);
  EXPECT_EQ(by_id.error, err::kNone);
  EXPECT_EQ(by_id.name, "t");

  Open();  // restart: the same id
  EXPECT_EQ(Lookup("t", {}).id, by_name.id);
  EXPECT_EQ(Lookup(std::nullopt, by_name.id).name, "t");

  ASSERT_TRUE(log_->DeleteTopic("t"));
  TopicAnswer gone = Lookup(std::nullopt, by_name.id);
  EXPECT_EQ(gone.error, err::kUnknownTopicId);
  EXPECT_EQ(gone.name, std::nullopt);
  EXPECT_EQ(gone.partitions, 0);
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  EXPECT_EQ(Lookup(std::nullopt, by_name.id).error, err::kUnknownTopicId)
      << "the old id must not find the new topic";
  TopicAnswer recreated = Lookup("t", {});
  EXPECT_EQ(recreated.error, err::kNone);
  EXPECT_NE(recreated.id, by_name.id);
  EXPECT_EQ(recreated.partitions, 1);
  EXPECT_EQ(Lookup("missing", {}).error, err::kUnknownTopicOrPartition);
}

}  // namespace
}  // namespace pinpipe::kafka
