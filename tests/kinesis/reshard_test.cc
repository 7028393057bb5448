// Resharding over a real log: SplitShard, MergeShards and UpdateShardCount close parents at
// their last record, open children as new partitions with the right hash ranges and parents,
// route puts to the children, and end a drained parent's GetRecords with ChildShards.
#include "kinesis/service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <algorithm>
#include <atomic>
#include <future>
#include <map>
#include <set>
#include <thread>
#include <utility>

#include "common/base64.h"
#include "kinesis/json_codec.h"
#include "service_fixture.h"

namespace pinpipe::kinesis {
namespace {

namespace fs = std::filesystem;

class ReshardTest : public testing::ServiceFixture {
 protected:
  // Every record of a shard from TRIM_HORIZON, and the last GetRecords answer.
  std::vector<std::string> ReadShard(const std::string& stream, const std::string& shard, Value* last) {
    auto it = Call("GetShardIterator", R"({"StreamName":")" + stream + R"(","ShardId":")" + shard +
                                           R"(","ShardIteratorType":"TRIM_HORIZON"})");
    EXPECT_TRUE(it) << it.error().message;
    std::vector<std::string> out;
    std::string iter = it->Find("ShardIterator")->s;
    for (int i = 0; i < 10; ++i) {
      auto got = Call("GetRecords", R"({"ShardIterator":")" + iter + R"("})");
      EXPECT_TRUE(got) << got.error().message;
      for (const auto& r : got->Find("Records")->items) out.push_back(r.Find("Data")->s);
      *last = *got;
      const Value* next = got->Find("NextShardIterator");
      if (!next || next->kind != Value::Kind::kString || got->Find("Records")->items.empty()) break;
      iter = next->s;
    }
    return out;
  }
  Value Shards(const std::string& stream) {
    auto d = Call("ListShards", R"({"StreamName":")" + stream + R"("})");
    EXPECT_TRUE(d) << d.error().message;
    return *d->Find("Shards");
  }
};

TEST_F(ReshardTest, SplitThenMergeClosesParentsAndOpensChildren) {
  ASSERT_TRUE(Call("CreateStream", R"({"StreamName":"s","ShardCount":1})"));
  auto before = Call("PutRecord", R"({"StreamName":"s","Data":"MQ==","PartitionKey":"a"})");
  ASSERT_TRUE(before);
  const std::string half = "170141183460469231731687303715884105728";  // 2^127
  ASSERT_TRUE(Call("SplitShard", R"({"StreamName":"s","ShardToSplit":"shardId-000000000000","NewStartingHashKey":")" + half + R"("})"));
  EXPECT_EQ(log_->GetTopic("s")->partitions, 3);
  Value shards = Shards("s");
  ASSERT_EQ(shards.items.size(), 3u);
  const Value& parent = shards.items[0];
  EXPECT_EQ(parent.Find("SequenceNumberRange")->Find("EndingSequenceNumber")->s, before->Find("SequenceNumber")->s);
  EXPECT_EQ(shards.items[1].Find("ParentShardId")->s, "shardId-000000000000");
  EXPECT_EQ(shards.items[1].Find("HashKeyRange")->Find("EndingHashKey")->s, "170141183460469231731687303715884105727");
  EXPECT_EQ(shards.items[2].Find("HashKeyRange")->Find("StartingHashKey")->s, half);
  EXPECT_EQ(shards.items[2].Find("HashKeyRange")->Find("EndingHashKey")->s, HashKeyToString(kMaxHashKey));
  // Splitting the closed parent again is refused; a bad key too.
  EXPECT_EQ(Type(Call("SplitShard", R"({"StreamName":"s","ShardToSplit":"shardId-000000000000","NewStartingHashKey":"5"})")),
            "ResourceInUseException");
  EXPECT_EQ(Type(Call("SplitShard", R"({"StreamName":"s","ShardToSplit":"shardId-000000000001","NewStartingHashKey":")" + half + R"("})")),
            "InvalidArgumentException");
  EXPECT_EQ(Type(Call("SplitShard", R"({"StreamName":"s","ShardToSplit":"shardId-000000000009","NewStartingHashKey":"5"})")),
            "ResourceNotFoundException");
  // Puts go to the children by hash ("a" hashes into the upper half).
  auto after = Call("PutRecord", R"({"StreamName":"s","Data":"Mg==","PartitionKey":"a"})");
  ASSERT_TRUE(after);
  const std::string child = after->Find("ShardId")->s;
  EXPECT_NE(child, "shardId-000000000000");
  // The parent reads to its end, then ChildShards and no NextShardIterator.
  Value last;
  EXPECT_EQ(ReadShard("s", "shardId-000000000000", &last), std::vector<std::string>{"1"});
  ASSERT_TRUE(last.Find("NextShardIterator") == nullptr || last.Find("NextShardIterator")->kind == Value::Kind::kNull);
  ASSERT_NE(last.Find("ChildShards"), nullptr);
  ASSERT_EQ(last.Find("ChildShards")->items.size(), 2u);
  EXPECT_EQ(last.Find("ChildShards")->items[0].Find("ParentShards")->items[0].s, "shardId-000000000000");
  EXPECT_EQ(ReadShard("s", child, &last), std::vector<std::string>{"2"});

  // Merge the two children back; a non-adjacent pair is refused.
  EXPECT_EQ(Type(Call("MergeShards", R"({"StreamName":"s","ShardToMerge":"shardId-000000000001","AdjacentShardToMerge":"shardId-000000000001"})")),
            "InvalidArgumentException");
  ASSERT_TRUE(Call("MergeShards", R"({"StreamName":"s","ShardToMerge":"shardId-000000000001","AdjacentShardToMerge":"shardId-000000000002"})"));
  shards = Shards("s");
  ASSERT_EQ(shards.items.size(), 4u);
  EXPECT_EQ(shards.items[3].Find("ParentShardId")->s, "shardId-000000000001");
  EXPECT_EQ(shards.items[3].Find("AdjacentParentShardId")->s, "shardId-000000000002");
  EXPECT_EQ(shards.items[3].Find("HashKeyRange")->Find("StartingHashKey")->s, "0");
  auto merged = Call("PutRecord", R"({"StreamName":"s","Data":"Mw==","PartitionKey":"a"})");
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->Find("ShardId")->s, "shardId-000000000003");

  // All of it survives a restart.
  Open();
  EXPECT_EQ(log_->GetTopic("s")->partitions, 4);
  EXPECT_EQ(ReadShard("s", child, &last), std::vector<std::string>{"2"});
  EXPECT_EQ(last.Find("ChildShards")->items.at(0).Find("ShardId")->s, "shardId-000000000003");
  EXPECT_EQ(ReadShard("s", "shardId-000000000003", &last), std::vector<std::string>{"3"});
}

TEST_F(ReshardTest, UpdateShardCountScalesUniformly) {
  ASSERT_TRUE(Call("CreateStream", R"({"StreamName":"u","ShardCount":2})"));
  auto up = Call("UpdateShardCount", R"({"StreamName":"u","TargetShardCount":4,"ScalingType":"UNIFORM_SCALING"})");
  ASSERT_TRUE(up) << up.error().message;
  EXPECT_EQ(up->Find("CurrentShardCount")->i, 2);
  EXPECT_EQ(up->Find("TargetShardCount")->i, 4);
  Value shards = Shards("u");
  ASSERT_EQ(shards.items.size(), 6u);
  for (int i = 0; i < 4; ++i) {
    const Value& c = shards.items[static_cast<size_t>(2 + i)];
    auto [lo, hi] = EvenRange(i, 4);
    EXPECT_EQ(c.Find("HashKeyRange")->Find("StartingHashKey")->s, HashKeyToString(lo));
    EXPECT_EQ(c.Find("HashKeyRange")->Find("EndingHashKey")->s, HashKeyToString(hi));
    EXPECT_EQ(c.Find("ParentShardId")->s, i < 2 ? "shardId-000000000000" : "shardId-000000000001");
  }
  // Down to 2 again: each child has two parents.
  ASSERT_TRUE(Call("UpdateShardCount", R"({"StreamName":"u","TargetShardCount":2,"ScalingType":"UNIFORM_SCALING"})"));
  shards = Shards("u");
  ASSERT_EQ(shards.items.size(), 8u);
  EXPECT_EQ(shards.items[6].Find("ParentShardId")->s, "shardId-000000000002");
  EXPECT_EQ(shards.items[6].Find("AdjacentParentShardId")->s, "shardId-000000000003");
  EXPECT_EQ(shards.items[7].Find("ParentShardId")->s, "shardId-000000000004");
  EXPECT_EQ(shards.items[7].Find("AdjacentParentShardId")->s, "shardId-000000000005");
  EXPECT_EQ(Type(Call("UpdateShardCount", R"({"StreamName":"u","TargetShardCount":5,"ScalingType":"UNIFORM_SCALING"})")),
            "InvalidArgumentException");
  EXPECT_EQ(Type(Call("UpdateShardCount", R"({"StreamName":"nope","TargetShardCount":2,"ScalingType":"UNIFORM_SCALING"})")),
            "ResourceNotFoundException");
  EXPECT_EQ(Type(Call("UpdateShardCount", R"({"StreamName":"u","TargetShardCount":2,"ScalingType":"OTHER"})")),
            "ValidationException");
}

// A put that read the metadata before a split and appends to the parent after it closed is
// failed in place (the client retries onto a child), never acknowledged past the parent's end:
// every acknowledged record is read back from the shard it was acknowledged on. (A record
// failed while the parent was closing may still be readable there: a duplicate after the
// client's retry, never a loss.)
TEST_F(ReshardTest, PutsRacingASplitAreNeverAcknowledgedPastTheParentsEnd) {
  ASSERT_TRUE(Call("CreateStream", R"({"StreamName":"r","ShardCount":1})"));
  std::atomic<bool> stop{false};
  std::atomic<int> total{0}, on_children{0};
  std::vector<std::pair<std::string, std::string>> acked;  // (shard, data), putter thread only
  std::thread putter([&] {
    int n = 0;
    while (!stop.load()) {
      const std::string data = "r" + std::to_string(n++);
      std::string b64;
      Base64Encode(data, b64);
      auto o = Call("PutRecord", R"({"StreamName":"r","Data":")" + b64 + R"(","PartitionKey":")" + data + R"("})");
      if (!o) continue;  // failed in place: the client would retry
      acked.emplace_back(o->Find("ShardId")->s, data);
      if (acked.back().first != "shardId-000000000000") on_children++;
      total++;
    }
  });
  while (total.load() < 20) std::this_thread::yield();
  ASSERT_TRUE(Call("SplitShard", R"({"StreamName":"r","ShardToSplit":"shardId-000000000000","NewStartingHashKey":"170141183460469231731687303715884105728"})"));
  while (on_children.load() < 20) std::this_thread::yield();
  stop = true;
  putter.join();
  std::map<std::string, std::set<std::string>> readable;
  Value last;
  for (const char* shard : {"shardId-000000000000", "shardId-000000000001", "shardId-000000000002"}) {
    for (auto& d : ReadShard("r", shard, &last)) readable[shard].insert(d);
  }
  for (const auto& [shard, data] : acked) EXPECT_TRUE(readable[shard].contains(data)) << shard << " " << data;
}

// Deterministic form of the race: the split completes after the put read the metadata and
// before it appends, so the record lands in the closed parent at its end offset. It must fail
// in place, and the retry goes to a child.
TEST_F(ReshardTest, APutThatLandsInAClosedParentFailsInPlace) {
  ASSERT_TRUE(Call("CreateStream", R"({"StreamName":"r","ShardCount":1})"));
  ASSERT_TRUE(Call("PutRecord", R"({"StreamName":"r","Data":"MQ==","PartitionKey":"a"})"));
  before_put_append_ = [this] {
    ASSERT_TRUE(svc_->Call("SplitShard", *DecodeJson(R"({"StreamName":"r","ShardToSplit":"shardId-000000000000","NewStartingHashKey":"5"})")));
  };
  auto late = Call("PutRecord", R"({"StreamName":"r","Data":"Mg==","PartitionKey":"a"})");
  EXPECT_EQ(Type(late), "InternalFailure");
  auto many = Call("PutRecords", R"({"StreamName":"r","Records":[{"Data":"Mw==","PartitionKey":"a"}]})");
  ASSERT_TRUE(many);
  EXPECT_EQ(many->Find("FailedRecordCount")->i, 0);
  EXPECT_NE(many->Find("Records")->items[0].Find("ShardId")->s, "shardId-000000000000");
  Value last;
  EXPECT_EQ(ReadShard("r", "shardId-000000000000", &last), std::vector<std::string>{"1"});
}

}  // namespace
}  // namespace pinpipe::kinesis
