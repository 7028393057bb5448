#include "kinesis/iterator_ages.h"

#include <gtest/gtest.h>

#include "service_fixture.h"

namespace pinpipe::kinesis {
namespace {

TEST(IteratorAges, KeepsTheLatestReadPerShardAndReader) {
  IteratorAges ages;
  ages.Note("s", 0, IteratorAges::kGetRecords, 500, 1000, 5);
  ages.Note("s", 0, IteratorAges::kGetRecords, 20, 1100, 3);  // the same reader reads on
  ages.Note("s", 0, "fan-out", 70, 1050, 1);
  ages.Note("s", 1, IteratorAges::kGetRecords, 0, 1090, 0);
  auto snap = ages.Snapshot(1200, 10'000);
  ASSERT_EQ(snap.size(), 3u);  // by stream, shard, reader
  EXPECT_EQ(snap[0].reader, "GetRecords");
  EXPECT_EQ(snap[0].millis_behind, 20);
  EXPECT_EQ(snap[0].at_ms, 1100);
  EXPECT_EQ(snap[0].records, 3);
  EXPECT_EQ(snap[0].reads, 2u);
  EXPECT_EQ(snap[1].reader, "fan-out");
  EXPECT_EQ(snap[1].millis_behind, 70);
  EXPECT_EQ(snap[2].shard, 1);
}

TEST(IteratorAges, ForgetsReadersThatStoppedReading) {
  IteratorAges ages;
  ages.Note("s", 0, "old", 1, 1000, 1);
  ages.Note("s", 0, "new", 2, 5000, 1);
  auto snap = ages.Snapshot(6000, 2000);
  ASSERT_EQ(snap.size(), 1u);
  EXPECT_EQ(snap[0].reader, "new");
  EXPECT_EQ(ages.Snapshot(6000, 1'000'000).size(), 1u);  // dropped, not only hidden
}

TEST(IteratorAges, IsBounded) {
  IteratorAges ages;
  for (size_t i = 0; i < IteratorAges::kMaxEntries + 10; ++i) ages.Note("s", static_cast<int32_t>(i), "r", 0, 1, 0);
  EXPECT_EQ(ages.Snapshot(1, 10).size(), IteratorAges::kMaxEntries);
}

using IteratorAgeServiceTest = testing::ServiceFixture;

// GetRecords notes its MillisBehindLatest under the anonymous GetRecords reader; a
// SubscribeToShard read (ReadShard with a consumer) under the consumer's name.
TEST_F(IteratorAgeServiceTest, GetRecordsAndConsumerReadsNoteTheirAge) {
  ASSERT_TRUE(Call("CreateStream", R"({"StreamName":"s","ShardCount":1})"));
  ASSERT_TRUE(Call("PutRecords", R"({"StreamName":"s","Records":[{"Data":"MQ==","PartitionKey":"a"},{"Data":"Mg==","PartitionKey":"b"}]})"));
  clock_.Advance(1500);
  auto it = Call("GetShardIterator", R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"})");
  ASSERT_TRUE(it);
  auto got = Call("GetRecords", R"({"ShardIterator":")" + it->Find("ShardIterator")->s + R"(","Limit":1})");
  ASSERT_TRUE(got);
  ASSERT_EQ(got->Find("MillisBehindLatest")->i, 1500);
  auto pos = svc_->StartPosition(*DecodeJson(R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"})"));
  ASSERT_TRUE(pos);
  std::optional<IteratorState> next;
  auto ev = svc_->ReadShard(*pos, 10, 1 << 20, &next, "fan-out");
  ASSERT_TRUE(ev);
  ASSERT_EQ(ev->Find("MillisBehindLatest")->i, 0);
  auto snap = svc_->iterator_ages().Snapshot(clock_.WallMs(), 300'000);
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(snap[0].reader, "GetRecords");
  EXPECT_EQ(snap[0].millis_behind, 1500);
  EXPECT_EQ(snap[0].records, 1);
  EXPECT_EQ(snap[0].at_ms, clock_.WallMs());
  EXPECT_EQ(snap[1].reader, "fan-out");
  EXPECT_EQ(snap[1].millis_behind, 0);
  EXPECT_EQ(snap[1].records, 2);
  // ReadShard without a consumer (no reader to name) notes nothing.
  ASSERT_TRUE(svc_->ReadShard(*pos, 10, 1 << 20, &next));
  EXPECT_EQ(svc_->iterator_ages().Snapshot(clock_.WallMs(), 300'000).size(), 2u);
}

}  // namespace
}  // namespace pinpipe::kinesis
