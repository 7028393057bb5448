// kinesis.throttle through the service (manual clock): put records over a shard's budget fail
// in place with ProvisionedThroughputExceededException and are never appended, while other
// shards' records in the same request succeed; PutRecord fails whole; GetRecords over 5 calls/s
// fails. Off (the default), nothing is throttled.
#include <gtest/gtest.h>

#include <iterator>
#include <string>

#include "service_fixture.h"

namespace pinpipe::kinesis {
namespace {

class ThrottleTest : public testing::ServiceFixture {
 protected:
  void SetUp() override {
    options_.throttle = true;
    options_.throttle_limits = ThrottleLimits{1 << 20, 3, 2 << 20, 5};
    ServiceFixture::SetUp();
  }
  // PutRecords of `n` records with partition key `key` (all to one shard).
  Outcome PutMany(int n, const std::string& key) {
    std::string body = R"({"StreamName":"s","Records":[)";
    for (int i = 0; i < n; ++i) body += std::string(i ? "," : "") + R"({"Data":"eA==","PartitionKey":")" + key + R"("})";
    return Call("PutRecords", body + "]}");
  }
  int64_t LogEnd(int32_t shard) { return log_->GetPartitionInfo("s", shard)->log_end_offset; }
};

TEST_F(ThrottleTest, RecordsOverAShardsBudgetFailInPlaceAndAreNotAppended) {
  ASSERT_TRUE(Call("CreateStream", R"({"StreamName":"s","ShardCount":2})"));
  // "f" hashes to shard 1 of 2, "a" to shard 0 (hash_key_test): 3 records/s each.
  std::string body = R"({"StreamName":"s","Records":[)";
  const char* keys[] = {"a", "a", "f", "a", "a", "f", "f"};
  for (size_t i = 0; i < std::size(keys); ++i) {
    body += std::string(i ? "," : "") + R"({"Data":"eA==","PartitionKey":")" + keys[i] + R"("})";
  }
  auto r = Call("PutRecords", body + "]}");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->Find("FailedRecordCount")->i, 1);
  const auto& recs = r->Find("Records")->items;
  ASSERT_EQ(recs.size(), 7u);
  for (size_t i = 0; i < recs.size(); ++i) {
    if (i == 4) {  // the 4th record for shard 0 within the second
      EXPECT_EQ(recs[i].Find("ErrorCode")->s, "ProvisionedThroughputExceededException");
      EXPECT_EQ(recs[i].Find("ErrorMessage")->s,
                "Rate exceeded for shard shardId-000000000000 in stream s under account 000000000000.");
      EXPECT_EQ(recs[i].Find("SequenceNumber"), nullptr);
    } else {
      EXPECT_EQ(recs[i].Find("ErrorCode"), nullptr) << i;
      EXPECT_FALSE(recs[i].Find("SequenceNumber")->s.empty()) << i;
    }
  }
  EXPECT_EQ(LogEnd(0), 3);  // the throttled record was never appended
  EXPECT_EQ(LogEnd(1), 3);
  // Shard 1 is spent too now; PutRecord fails whole, with a 400.
  auto one = Call("PutRecord", R"({"StreamName":"s","Data":"eA==","PartitionKey":"f"})");
  ASSERT_FALSE(one);
  EXPECT_EQ(one.error().type, "ProvisionedThroughputExceededException");
  EXPECT_EQ(one.error().status, 400);
  EXPECT_EQ(one.error().message, "Rate exceeded for shard shardId-000000000001 in stream s under account 000000000000.");
  clock_.Advance(1000);  // the next second refills
  auto again = PutMany(4, "f");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->Find("FailedRecordCount")->i, 1);
  EXPECT_EQ(LogEnd(1), 6);
}

TEST_F(ThrottleTest, TheSixthGetRecordsInASecondFails) {
  ASSERT_TRUE(Call("CreateStream", R"({"StreamName":"s","ShardCount":1})"));
  ASSERT_TRUE(PutMany(2, "a"));
  auto it = Call("GetShardIterator", R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"})");
  ASSERT_TRUE(it);
  const std::string req = R"({"ShardIterator":")" + it->Find("ShardIterator")->s + R"("})";
  for (int i = 0; i < 5; ++i) {
    auto got = Call("GetRecords", req);
    ASSERT_TRUE(got) << i << " " << got.error().message;
    EXPECT_EQ(got->Find("Records")->items.size(), 2u);
  }
  auto sixth = Call("GetRecords", req);
  ASSERT_FALSE(sixth);
  EXPECT_EQ(sixth.error().type, "ProvisionedThroughputExceededException");
  EXPECT_EQ(sixth.error().message, "Rate exceeded for shard shardId-000000000000 in stream s under account 000000000000.");
  clock_.Advance(200);
  EXPECT_TRUE(Call("GetRecords", req));
}

class NoThrottleTest : public testing::ServiceFixture {};

TEST_F(NoThrottleTest, OffByDefault) {
  EXPECT_FALSE(ServiceOptions{}.throttle);
  ASSERT_TRUE(Call("CreateStream", R"({"StreamName":"s","ShardCount":1})"));
  for (int k = 0; k < 3; ++k) {  // 1500 records in the same millisecond
    std::string body = R"({"StreamName":"s","Records":[)";
    for (int i = 0; i < 500; ++i) body += std::string(i ? "," : "") + R"({"Data":"eA==","PartitionKey":"a"})";
    auto r = Call("PutRecords", body + "]}");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->Find("FailedRecordCount")->i, 0);
  }
}

}  // namespace
}  // namespace pinpipe::kinesis
