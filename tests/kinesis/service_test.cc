// The operations over a real log in a temporary data dir: streams map to topics (shard i =
// partition i), records read back with increasing sequence numbers, metadata survives a reopen,
// iterators expire after 5 minutes (manual clock).
#include "kinesis/service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "kinesis/json_codec.h"
#include "service_fixture.h"

namespace pinpipe::kinesis {
namespace {

namespace fs = std::filesystem;

using ServiceTest = testing::ServiceFixture;

TEST_F(ServiceTest, StreamIsATopicWithAPartitionPerShard) {
  ASSERT_TRUE(Call("CreateStream", R"({"StreamName":"s1","ShardCount":3})"));
  auto t = log_->GetTopic("s1");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->partitions, 3);
  EXPECT_EQ(Type(Call("CreateStream", R"({"StreamName":"s1","ShardCount":3})")), "ResourceInUseException");
  // "f" hashes to shard 1 of 3: the record is partition 1's, key = PartitionKey, value = Data.
  auto put = Call("PutRecord", R"({"StreamName":"s1","Data":"aGVsbG8=","PartitionKey":"f"})");
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_EQ(put->Find("ShardId")->s, "shardId-000000000001");
  std::string buf;
  auto rr = log_->Read("s1", 1, 0, 1 << 20, buf);
  ASSERT_TRUE(rr);
  log::RecordReader reader(buf, 0);
  log::RecordView v;
  ASSERT_TRUE(reader.Next(v));
  EXPECT_EQ(v.key.value_or(""), "f");
  EXPECT_EQ(v.value.value_or(""), "hello");
}

TEST_F(ServiceTest, PutThenGetRecordsInOrderWithIncreasingSequenceNumbers) {
  ASSERT_TRUE(Call("CreateStream", R"({"StreamName":"s","ShardCount":1})"));
  auto many = Call("PutRecords", R"({"StreamName":"s","Records":[{"Data":"MQ==","PartitionKey":"a"},{"Data":"Mg==","PartitionKey":"b"},{"Data":"Mw==","PartitionKey":"c"}]})");
  ASSERT_TRUE(many) << many.error().message;
  EXPECT_EQ(many->Find("FailedRecordCount")->i, 0);
  ASSERT_EQ(many->Find("Records")->items.size(), 3u);
  auto it = Call("GetShardIterator", R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"})");
  ASSERT_TRUE(it);
  auto got = Call("GetRecords", R"({"ShardIterator":")" + it->Find("ShardIterator")->s + R"(","Limit":2})");
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_EQ(got->Find("Records")->items.size(), 2u);
  EXPECT_EQ(got->Find("Records")->items[0].Find("Data")->s, "1");
  EXPECT_EQ(got->Find("Records")->items[0].Find("SequenceNumber")->s,
            many->Find("Records")->items[0].Find("SequenceNumber")->s);
  clock_.Advance(2000);  // the third record is two seconds old now
  EXPECT_EQ(got->Find("MillisBehindLatest")->i, 0);  // computed at the read (same instant)
  auto next = Call("GetRecords", R"({"ShardIterator":")" + got->Find("NextShardIterator")->s + R"("})");
  ASSERT_TRUE(next);
  ASSERT_EQ(next->Find("Records")->items.size(), 1u);
  EXPECT_EQ(next->Find("Records")->items[0].Find("Data")->s, "3");
  EXPECT_EQ(next->Find("MillisBehindLatest")->i, 0);
  // AFTER_SEQUENCE_NUMBER of the first record starts at the second.
  auto after = Call("GetShardIterator", R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AFTER_SEQUENCE_NUMBER","StartingSequenceNumber":")" +
                                            many->Find("Records")->items[0].Find("SequenceNumber")->s + R"("})");
  ASSERT_TRUE(after);
  auto from2 = Call("GetRecords", R"({"ShardIterator":")" + after->Find("ShardIterator")->s + R"(","Limit":1})");
  ASSERT_TRUE(from2);
  EXPECT_EQ(from2->Find("Records")->items[0].Find("Data")->s, "2");
  EXPECT_EQ(from2->Find("MillisBehindLatest")->i, 2000);  // the third record waits, 2 s old
}

// The shard's StartingSequenceNumber sorts below its first record (same second, same offset),
// and AFTER_SEQUENCE_NUMBER of it still returns that first record.
TEST_F(ServiceTest, StartingSequenceNumberPrecedesTheFirstRecord) {
  ASSERT_TRUE(Call("CreateStream", R"({"StreamName":"s","ShardCount":1})"));
  auto put = Call("PutRecord", R"({"StreamName":"s","Data":"MQ==","PartitionKey":"a"})");
  ASSERT_TRUE(put);
  auto d = Call("DescribeStream", R"({"StreamName":"s"})");
  ASSERT_TRUE(d);
  std::string start =
      d->Find("StreamDescription")->Find("Shards")->items[0].Find("SequenceNumberRange")->Find("StartingSequenceNumber")->s;
  const std::string& first = put->Find("SequenceNumber")->s;
  EXPECT_TRUE(first.size() > start.size() || (first.size() == start.size() && first > start)) << start << " " << first;
  auto it = Call("GetShardIterator", R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AFTER_SEQUENCE_NUMBER","StartingSequenceNumber":")" + start + R"("})");
  ASSERT_TRUE(it);
  auto got = Call("GetRecords", R"({"ShardIterator":")" + it->Find("ShardIterator")->s + R"("})");
  ASSERT_TRUE(got);
  ASSERT_EQ(got->Find("Records")->items.size(), 1u);
  EXPECT_EQ(got->Find("Records")->items[0].Find("SequenceNumber")->s, first);
}

TEST_F(ServiceTest, IteratorsExpireAfterFiveMinutesAndRejectTampering) {
  ASSERT_TRUE(Call("CreateStream", R"({"StreamName":"s","ShardCount":1})"));
  auto it = Call("GetShardIterator", R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"LATEST"})");
  ASSERT_TRUE(it);
  std::string tok = it->Find("ShardIterator")->s;
  clock_.Advance(300000);
  EXPECT_TRUE(Call("GetRecords", R"({"ShardIterator":")" + tok + R"("})"));
  clock_.Advance(1);
  EXPECT_EQ(Type(Call("GetRecords", R"({"ShardIterator":")" + tok + R"("})")), "ExpiredIteratorException");
  tok[5] = tok[5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Type(Call("GetRecords", R"({"ShardIterator":")" + tok + R"("})")), "InvalidArgumentException");
}

// Every time the service reads comes from ServiceOptions::clock: creation and arrival times are
// the manual clock's (a year before the real time), and an iterator expires when that clock
// moves five minutes, with no sleeping. Fails if any of them read the system clock.
TEST_F(ServiceTest, TimesAndIteratorExpiryFollowTheServiceClock) {
  const int64_t created = clock_.WallMs();
  ASSERT_TRUE(Call("CreateStream", R"({"StreamName":"s","ShardCount":1})"));
  auto sum = Call("DescribeStreamSummary", R"({"StreamName":"s"})");
  ASSERT_TRUE(sum);
  EXPECT_EQ(sum->Find("StreamDescriptionSummary")->Find("StreamCreationTimestamp")->d,
            static_cast<double>(created));
  clock_.Advance(1234);
  ASSERT_TRUE(Call("PutRecord", R"({"StreamName":"s","Data":"eA==","PartitionKey":"a"})"));
  auto it = Call("GetShardIterator", R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"})");
  ASSERT_TRUE(it);
  const std::string tok = it->Find("ShardIterator")->s;
  auto got = Call("GetRecords", R"({"ShardIterator":")" + tok + R"("})");
  ASSERT_TRUE(got);
  ASSERT_EQ(got->Find("Records")->items.size(), 1u);
  EXPECT_EQ(got->Find("Records")->items[0].Find("ApproximateArrivalTimestamp")->d,
            static_cast<double>(created + 1234));
  clock_.Advance(300001);
  EXPECT_EQ(Type(Call("GetRecords", R"({"ShardIterator":")" + tok + R"("})")), "ExpiredIteratorException");
}

TEST_F(ServiceTest, MetadataSurvivesReopenAndSequenceNumbersKeepIncreasing) {
  ASSERT_TRUE(Call("CreateStream", R"({"StreamName":"s","ShardCount":2,"Tags":{"team":"data"}})"));
  auto a = Call("PutRecord", R"({"StreamName":"s","Data":"eA==","PartitionKey":"a"})");
  ASSERT_TRUE(a);
  ASSERT_TRUE(Call("RegisterStreamConsumer", R"({"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s","ConsumerName":"app"})"));
  Open();
  auto sum = Call("DescribeStreamSummary", R"({"StreamName":"s"})");
  ASSERT_TRUE(sum);
  EXPECT_EQ(sum->Find("StreamDescriptionSummary")->Find("ConsumerCount")->i, 1);
  auto d = Call("DescribeStream", R"({"StreamName":"s"})");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->Find("StreamDescription")->Find("Shards")->items.size(), 2u);
  auto tags = Call("ListTagsForStream", R"({"StreamName":"s"})");
  ASSERT_TRUE(tags);
  EXPECT_EQ(Json(*tags), R"({"Tags":[{"Key":"team","Value":"data"}],"HasMoreTags":false})");
  auto b = Call("PutRecord", R"({"StreamName":"s","Data":"eQ==","PartitionKey":"a"})");
  ASSERT_TRUE(b);
  const std::string& sa = a->Find("SequenceNumber")->s;
  const std::string& sb = b->Find("SequenceNumber")->s;
  EXPECT_TRUE(sb.size() > sa.size() || (sb.size() == sa.size() && sb > sa)) << sa << " " << sb;
}

// Records older than the stream's retention are no longer returned; a longer retention keeps them.
TEST_F(ServiceTest, RetentionTrimsOldRecords) {
  ASSERT_TRUE(Call("CreateStream", R"({"StreamName":"s","ShardCount":1})"));
  ASSERT_TRUE(Call("PutRecord", R"({"StreamName":"s","Data":"b2xk","PartitionKey":"a"})"));
  clock_.Advance(25 * 3600 * 1000LL);
  ASSERT_TRUE(Call("PutRecord", R"({"StreamName":"s","Data":"bmV3","PartitionKey":"a"})"));
  auto read_all = [&] {
    auto it = Call("GetShardIterator", R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"})");
    EXPECT_TRUE(it);
    auto got = Call("GetRecords", R"({"ShardIterator":")" + it->Find("ShardIterator")->s + R"("})");
    EXPECT_TRUE(got);
    std::string datas;
    for (const auto& r : got->Find("Records")->items) datas += r.Find("Data")->s + ";";
    return datas;
  };
  EXPECT_EQ(read_all(), "new;");  // 24 h retention: the 25-hour-old record is gone
  ASSERT_TRUE(Call("IncreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":48})"));
  EXPECT_EQ(read_all(), "old;new;");  // still in the log, inside 48 h
  EXPECT_EQ(Type(Call("DecreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":72})")),
            "InvalidArgumentException");
  ASSERT_TRUE(Call("DecreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":24})"));
  EXPECT_EQ(read_all(), "new;");
}

TEST_F(ServiceTest, ErrorsHaveAwsShapes) {
  EXPECT_EQ(Type(Call("DescribeStream", R"({"StreamName":"nope"})")), "ResourceNotFoundException");
  auto v = Call("CreateStream", R"({"StreamName":"bad name!","ShardCount":1})");
  EXPECT_EQ(Type(v), "ValidationException");
  EXPECT_NE(v.error().message.find("at 'streamName' failed to satisfy constraint"), std::string::npos);
  EXPECT_EQ(Type(Call("CreateStream", R"({"StreamName":5})")), "SerializationException");
  ASSERT_TRUE(Call("CreateStream", R"({"StreamName":"s","ShardCount":1})"));
  EXPECT_EQ(Type(Call("PutRecord", R"({"StreamName":"s","Data":"!!","PartitionKey":"a"})")), "SerializationException");
  EXPECT_EQ(Type(Call("PutRecord", R"({"StreamName":"s","Data":"eA==","PartitionKey":""})")), "ValidationException");
  EXPECT_EQ(Type(Call("PutRecord", R"({"StreamName":"s","Data":"eA==","PartitionKey":"a","ExplicitHashKey":"340282366920938463463374607431768211456"})")),
            "InvalidArgumentException");
  EXPECT_EQ(Type(Call("GetShardIterator", R"({"StreamName":"s","ShardId":"shardId-000000000009","ShardIteratorType":"LATEST"})")),
            "ResourceNotFoundException");
  EXPECT_EQ(Type(Call("GetShardIterator", R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP"})")),
            "InvalidArgumentException");
  EXPECT_EQ(Type(Call("ListShards", R"({})")), "InvalidArgumentException");
  std::string recs = R"({"StreamName":"s","Records":[)";
  for (int i = 0; i < 501; ++i) recs += std::string(i ? "," : "") + R"({"Data":"eA==","PartitionKey":"a"})";
  EXPECT_EQ(Type(Call("PutRecords", recs + "]}")), "ValidationException");
  EXPECT_EQ(Type(svc_->Call("NoSuchOp", Value::Map())), "UnknownOperationException");
}

}  // namespace
}  // namespace pinpipe::kinesis
