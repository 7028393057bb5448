#include "groups/consumer_protocol.h"

#include <gtest/gtest.h>

#include "groups/range_assignor.h"

namespace pinpipe::groups {
namespace {

TEST(ConsumerProtocolTest, SubscriptionV0IsKafkasLayout) {
  std::string b = EncodeSubscription({"ab", "c"});
  // version 0, 2 topics, "ab", "c", null user data
  const std::string want("\x00\x00" "\x00\x00\x00\x02" "\x00\x02" "ab" "\x00\x01" "c" "\xff\xff\xff\xff", 17);
  EXPECT_EQ(b, want);
  auto topics = DecodeSubscriptionTopics(b);
  ASSERT_TRUE(topics);
  EXPECT_EQ(*topics, (std::vector<std::string>{"ab", "c"}));
}

TEST(ConsumerProtocolTest, DecodesLaterSubscriptionVersionsByTheirTopics) {
  // v1 as kafka-python/librdkafka/Java write it: topics, user data, owned partitions.
  std::string b("\x00\x01" "\x00\x00\x00\x01" "\x00\x01" "t" "\x00\x00\x00\x00"
                "\x00\x00\x00\x01" "\x00\x01" "t" "\x00\x00\x00\x01" "\x00\x00\x00\x03", 28);
  auto topics = DecodeSubscriptionTopics(b);
  ASSERT_TRUE(topics);
  EXPECT_EQ(*topics, std::vector<std::string>{"t"});
}

TEST(ConsumerProtocolTest, TruncatedOrHugeCountsAreRefused) {
  std::string b = EncodeSubscription({"topic"});
  for (size_t n = 0; n + 4 < b.size(); ++n) {  // the user data may be cut (not read)
    EXPECT_FALSE(DecodeSubscriptionTopics(b.substr(0, n))) << n;
  }
  EXPECT_FALSE(DecodeSubscriptionTopics(std::string("\x00\x00\x7f\xff\xff\xff", 6)));
  EXPECT_FALSE(DecodeAssignment(std::string("\x00\x00\x7f\xff\xff\xff", 6)));
}

TEST(ConsumerProtocolTest, AssignmentRoundTripsAndEmptyBytesAreNoPartitions) {
  TopicPartitionList in{{"a", {0, 1}}, {"b", {3}}};
  auto out = DecodeAssignment(EncodeAssignment(in));
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, in);
  auto none = DecodeAssignment("");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  std::string b = EncodeAssignment(in);
  EXPECT_FALSE(DecodeAssignment(b.substr(0, b.size() - 6)));
}

TopicPartitionList Of(const std::vector<std::pair<std::string, std::string>>& result, const std::string& id) {
  for (const auto& [m, bytes] : result) {
    if (m == id) return *DecodeAssignment(bytes);
  }
  ADD_FAILURE() << "no assignment for " << id;
  return {};
}

TEST(RangeAssignorTest, SplitsEachTopicAmongItsSubscribersInMemberIdOrder) {
  // Kafka's RangeAssignor: 4 partitions, 2 members -> 2 each; 3 partitions -> 2 + 1; the
  // first members in id order get the extra ones; a topic only b subscribes goes to b.
  std::vector<std::pair<std::string, std::string>> members{
      {"b-member", EncodeSubscription({"four", "three", "solo"})},
      {"a-member", EncodeSubscription({"four", "three"})},
      {"c-bad", "not a subscription"}};
  auto counts = [](const std::string& t) { return t == "four" ? 4 : t == "three" ? 3 : t == "solo" ? 2 : 0; };
  auto result = RangeAssign(members, counts);
  ASSERT_EQ(result.size(), 3u);
  EXPECT_EQ(Of(result, "a-member"), (TopicPartitionList{{"four", {0, 1}}, {"three", {0, 1}}}));
  EXPECT_EQ(Of(result, "b-member"), (TopicPartitionList{{"four", {2, 3}}, {"solo", {0, 1}}, {"three", {2}}}));
  EXPECT_TRUE(Of(result, "c-bad").empty());
}

TEST(RangeAssignorTest, MoreMembersThanPartitionsLeavesTheLastOnesEmptyAndUnknownTopicsAssignNothing) {
  std::vector<std::pair<std::string, std::string>> members{
      {"m1", EncodeSubscription({"one", "missing"})}, {"m2", EncodeSubscription({"one"})}};
  auto result = RangeAssign(members, [](const std::string& t) { return t == "one" ? 1 : 0; });
  EXPECT_EQ(Of(result, "m1"), (TopicPartitionList{{"one", {0}}}));
  EXPECT_TRUE(Of(result, "m2").empty());
}

}  // namespace
}  // namespace pinpipe::groups
