// Per-shard token buckets with a manual clock: AWS's limits hold to the record and refill
// continuously; shards and streams have independent budgets.
#include "kinesis/shard_throttle.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common/clock.h"

namespace pinpipe::kinesis {
namespace {

TEST(ShardThrottleTest, ExactlyAThousandRecordsASecondThenTheNextSecondRefills) {
  ManualClock clock;
  ShardThrottle t{ThrottleLimits{}};
  auto s = t.For("s", 1, 1, clock.SteadyMs());
  auto& sh = s->shard(0);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(sh.AdmitWrite(10, clock.SteadyMs())) << i;
  EXPECT_FALSE(sh.AdmitWrite(10, clock.SteadyMs()));  // the 1001st
  clock.Advance(1);  // a millisecond refills one record (1000/s)
  EXPECT_TRUE(sh.AdmitWrite(10, clock.SteadyMs()));
  EXPECT_FALSE(sh.AdmitWrite(10, clock.SteadyMs()));
  clock.Advance(1000);  // a second refills all of it, and no more
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(sh.AdmitWrite(10, clock.SteadyMs())) << i;
  EXPECT_FALSE(sh.AdmitWrite(10, clock.SteadyMs()));
}

TEST(ShardThrottleTest, WriteBytesLimitIsOneMibASecond) {
  ManualClock clock;
  ShardThrottle t{ThrottleLimits{}};
  auto& sh = t.For("s", 1, 1, clock.SteadyMs())->shard(0);
  EXPECT_TRUE(sh.AdmitWrite(1 << 19, clock.SteadyMs()));
  EXPECT_TRUE(sh.AdmitWrite((1 << 19) - 1, clock.SteadyMs()));
  EXPECT_FALSE(sh.AdmitWrite(2, clock.SteadyMs()));  // 1 MiB + 1 byte
  EXPECT_TRUE(sh.AdmitWrite(1, clock.SteadyMs()));   // a refused record took nothing
  clock.Advance(500);  // half a second refills half a MiB
  EXPECT_TRUE(sh.AdmitWrite(1 << 19, clock.SteadyMs()));
  EXPECT_FALSE(sh.AdmitWrite(1, clock.SteadyMs()));
}

TEST(ShardThrottleTest, ShardsAndRecreatedStreamsHaveTheirOwnBudgets) {
  ManualClock clock;
  ShardThrottle t{ThrottleLimits{1 << 20, 2, 2 << 20, 5}};
  auto s = t.For("s", 1, 2, clock.SteadyMs());
  EXPECT_TRUE(s->shard(0).AdmitWrite(1, clock.SteadyMs()));
  EXPECT_TRUE(s->shard(0).AdmitWrite(1, clock.SteadyMs()));
  EXPECT_FALSE(s->shard(0).AdmitWrite(1, clock.SteadyMs()));
  EXPECT_TRUE(s->shard(1).AdmitWrite(1, clock.SteadyMs()));  // shard 1 untouched by shard 0
  EXPECT_TRUE(t.For("other", 1, 1, clock.SteadyMs())->shard(0).AdmitWrite(1, clock.SteadyMs()));
  // A reshard's new shard keeps the old shards' state; a recreated stream starts full.
  auto grown = t.For("s", 1, 3, clock.SteadyMs());
  EXPECT_FALSE(grown->shard(0).AdmitWrite(1, clock.SteadyMs()));
  EXPECT_TRUE(grown->shard(2).AdmitWrite(1, clock.SteadyMs()));
  EXPECT_TRUE(t.For("s", 2, 1, clock.SteadyMs())->shard(0).AdmitWrite(1, clock.SteadyMs()));
}

TEST(ShardThrottleTest, FiveReadsASecondAndOverdrawnReadBytesWaitToRefill) {
  ManualClock clock;
  ShardThrottle t{ThrottleLimits{}};
  auto& sh = t.For("s", 1, 1, clock.SteadyMs())->shard(0);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(sh.AdmitRead(clock.SteadyMs())) << i;
  EXPECT_FALSE(sh.AdmitRead(clock.SteadyMs()));  // the 6th call in the second
  clock.Advance(200);
  EXPECT_TRUE(sh.AdmitRead(clock.SteadyMs()));  // 5/s: one call per 200 ms
  // A 10 MiB answer overdraws 2 MiB/s by 8 MiB: reads wait 4 s.
  sh.ChargeRead(10 << 20, clock.SteadyMs());
  clock.Advance(3999);
  EXPECT_FALSE(sh.AdmitRead(clock.SteadyMs()));
  clock.Advance(1);
  EXPECT_TRUE(sh.AdmitRead(clock.SteadyMs()));
}

// Reactor threads share a shard's bucket: together they get exactly its budget.
TEST(ShardThrottleTest, ConcurrentWritersShareOneBudgetExactly) {
  ManualClock clock;
  ShardThrottle t{ThrottleLimits{}};
  auto s = t.For("s", 1, 1, clock.SteadyMs());
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&] {
      for (int i = 0; i < 600; ++i) {
        if (s->shard(0).AdmitWrite(1, clock.SteadyMs())) admitted.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(admitted.load(), 1000);
}

TEST(ShardThrottleTest, ParsesLimits) {
  auto l = ParseThrottleLimits("1048576,1000,2097152,5");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->write_bytes, 1 << 20);
  EXPECT_EQ(l->write_records, 1000);
  EXPECT_EQ(l->read_bytes, 2 << 20);
  EXPECT_EQ(l->read_calls, 5);
  for (const char* bad : {"", "1,2,3", "1,2,3,4,5", "1,2,3,0", "1,2,x,4", "1,,3,4", "1,2,3,4,"}) {
    EXPECT_FALSE(ParseThrottleLimits(bad)) << bad;
  }
}

}  // namespace
}  // namespace pinpipe::kinesis
