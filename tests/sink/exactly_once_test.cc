// The plan → upload → sync → commit protocol under injected crashes: whatever the crash point,
// the restarted connector leaves exactly the objects (names and bytes) of an uninterrupted run.
#include <gtest/gtest.h>

#include <atomic>

#include "common/clock.h"

#include "sink_test_util.h"

namespace pinpipe::sink {
namespace {

class ExactlyOnceTest : public SinkFixture {
 protected:
  void Fill() {
    for (int p = 0; p < 3; ++p) {
      for (int b = 0; b < 6; ++b) {
        std::vector<std::optional<std::string>> vals;
        for (int i = 0; i < 1 + (b * 7 + p) % 9; ++i) {
          vals.push_back("{\"p\":" + std::to_string(p) + ",\"b\":" + std::to_string(b) +
                         ",\"i\":" + std::to_string(i) + "}");
        }
        Append("pin", p, vals);
      }
    }
  }
  void SetUp() override {
    SinkFixture::SetUp();
    ASSERT_TRUE(log_->CreateTopic("pin", 3));
    Fill();
  }
};

TEST_F(ExactlyOnceTest, CrashAtEveryPointRewritesTheSameObjects) {
  SinkConfig cfg = Config("pin", 4);
  cfg.max_round_objects = 3;  // several rounds
  objstore::LocalObjectStore ref_lake(Lake("ref"));
  {
    auto c = Make(cfg, &ref_lake, Rt("ref_state"));
    ASSERT_TRUE(c->RunUntilCaughtUp(true));
  }
  auto want = Objects(Lake("ref"));
  ASSERT_GT(want.size(), 8u);

  int run = 0, crashes = 0;
  for (const char* point : {"planned", "uploaded", "synced"}) {
    for (int nth = 1; nth <= 4; ++nth) {
      SCOPED_TRACE(std::string(point) + " #" + std::to_string(nth));
      std::string name = "run" + std::to_string(run++);
      FaultInjectionFileSystem ffs;
      objstore::LocalStoreOptions lo;
      lo.fs = &ffs;
      {
        objstore::LocalObjectStore lake(Lake(name), lo);
        SinkRuntime rt = Rt(name + "_state");
        rt.fs = &ffs;
        auto seen = std::make_shared<int>(0);
        rt.hook = [point, nth, seen](std::string_view p) -> Status {
          if (p == point && ++*seen == nth) return MakeError(ErrorCode::kIoError, "crash");
          return OkStatus();
        };
        auto c = Make(cfg, &lake, rt);
        if (!c->RunUntilCaughtUp(true)) ++crashes;
      }
      ASSERT_TRUE(ffs.SimulateCrash());  // drop everything that was not fsynced
      {
        objstore::LocalObjectStore lake(Lake(name), lo);
        SinkRuntime rt = Rt(name + "_state");
        rt.fs = &ffs;
        auto c = Make(cfg, &lake, rt);
        ASSERT_TRUE(c->RunUntilCaughtUp(true));
        auto st = c->Snapshot();
        for (int p = 0; p < 3; ++p) {
          EXPECT_TRUE(st.partitions.at({"pin", p}).plan.empty());
          EXPECT_EQ(st.partitions.at({"pin", p}).committed,
                    log_->GetPartitionInfo("pin", p)->high_watermark);
        }
      }
      EXPECT_EQ(Objects(Lake(name)), want);
    }
  }
  EXPECT_GE(crashes, 9);  // every point crashed at least in its first three rounds
}

TEST_F(ExactlyOnceTest, WallClockCutIsReplayedRegardlessOfTheClock) {
  ManualClock clock(1'000'000, 10'500);
  SinkConfig cfg = Config("w", 1000);
  cfg.rotate_schedule_interval_ms = 1000;
  Append("w", 0, {"1", "2", "3", "4", "5"});
  objstore::LocalObjectStore lake(Lake());
  {
    SinkRuntime rt = Rt("state");
    rt.clock = &clock;
    rt.hook = [](std::string_view p) -> Status {
      return p == "uploaded" ? MakeError(ErrorCode::kIoError, "crash") : OkStatus();
    };
    auto c = Make(cfg, &lake, rt);
    ASSERT_TRUE(c->RunUntilCaughtUp(false));  // 10.5 s: before the 11 s boundary, no cut
    EXPECT_TRUE(Objects(Lake()).empty());
    clock.SetWallMs(11'000);
    EXPECT_FALSE(c->RunUntilCaughtUp(false));  // cut at 5 planned and uploaded, then "crash"
    auto st = c->Snapshot().partitions.at({"w", 0});
    ASSERT_EQ(st.plan.size(), 1u);
    EXPECT_EQ(st.plan[0], (PlannedObject{0, 5}));
    EXPECT_EQ(st.committed, 0);
  }
  Append("w", 0, {"6", "7"});  // more data arrives while the connector is down
  {
    SinkRuntime rt = Rt("state");
    clock.SetWallMs(10'000);  // a clock that would not rotate at all
    rt.clock = &clock;
    auto c = Make(cfg, &lake, rt);
    ASSERT_TRUE(c->RunUntilCaughtUp(false));
    auto objs = Objects(Lake());
    ASSERT_EQ(objs.size(), 1u);
    EXPECT_EQ(objs["topics/w/partition=0/w+0+0000000000.json"], "1\n2\n3\n4\n5\n");
    auto st = c->Snapshot().partitions.at({"w", 0});
    EXPECT_EQ(st.committed, 5);
    EXPECT_TRUE(st.plan.empty());
  }
}

TEST_F(ExactlyOnceTest, RotationPolicies) {
  // Record time: rotate before the record whose timestamp is >= first + interval.
  Append("r", 0, {"1"}, 1000);
  Append("r", 0, {"2"}, 1050);
  Append("r", 0, {"3"}, 1099);
  Append("r", 0, {"4"}, 1100);
  Append("r", 0, {"5"}, 1150);
  Append("r", 0, {"6"}, 1300);
  SinkConfig cfg = Config("r", 100);
  cfg.rotate_interval_ms = 100;
  objstore::LocalObjectStore lake(Lake());
  auto c = Make(cfg, &lake);
  ASSERT_TRUE(c->RunUntilCaughtUp(false));
  auto objs = Objects(Lake());
  ASSERT_EQ(objs.size(), 2u);
  EXPECT_EQ(objs["topics/r/partition=0/r+0+0000000000.json"], "1\n2\n3\n");
  EXPECT_EQ(objs["topics/r/partition=0/r+0+0000000003.json"], "4\n5\n");

  // Wall clock on a quiet topic: flushes what is there once the boundary passes.
  ManualClock clock(1'000'000, 5'000);
  SinkConfig wc = Config("q", 1000);
  wc.rotate_schedule_interval_ms = 2'000;
  Append("q", 0, {"\"a1\"", "\"a2\""});
  objstore::LocalObjectStore lake2(Lake("q"));
  SinkRuntime rt = Rt("qstate");
  rt.clock = &clock;
  auto q = Make(wc, &lake2, rt);
  ASSERT_TRUE(q->RunUntilCaughtUp(false));
  EXPECT_TRUE(Objects(Lake("q")).empty());
  clock.SetWallMs(6'000);  // the next 2 s boundary after 5 s
  ASSERT_TRUE(q->RunUntilCaughtUp(false));
  EXPECT_EQ(Objects(Lake("q"))["topics/q/partition=0/q+0+0000000000.json"], "\"a1\"\n\"a2\"\n");
}

TEST_F(ExactlyOnceTest, BadRecordStopsTheTaskWithToleranceNone) {
  Append("bad", 0, {"1", "2", "3", "{oops", "5", "6"});
  objstore::LocalObjectStore lake(Lake());
  auto c = Make(Config("bad", 2), &lake);
  ASSERT_TRUE(c->RunUntilCaughtUp(true));
  auto objs = Objects(Lake());
  ASSERT_EQ(objs.size(), 1u);  // [0,2); record 2 was pending, nothing at or after 3
  EXPECT_EQ(objs["topics/bad/partition=0/bad+0+0000000000.json"], "1\n2\n");
  auto st = c->Snapshot().partitions.at({"bad", 0});
  EXPECT_TRUE(st.failed);
  EXPECT_EQ(st.error_offset, 3);
  EXPECT_NE(st.last_error.find("offset 3"), std::string::npos);
  EXPECT_NE(st.last_error.find("not valid JSON"), std::string::npos);
  // The failure is durable: a fresh status reader sees it.
  StateStore reader(FileSystem::Default(), StateDir());
  auto saved = reader.LoadForStatus();
  ASSERT_TRUE(saved);
  EXPECT_TRUE(saved->partitions.at({"bad", 0}).failed);
}

TEST_F(ExactlyOnceTest, BadRecordGoesToTheDeadLetterTopicWithToleranceAll) {
  Append("good", 0, {"1", "{oops", "3"});
  objstore::LocalObjectStore lake(Lake());
  SinkConfig cfg = Config("good", 10);
  ASSERT_TRUE(cfg.Set("errors.tolerance", "all"));
  ASSERT_TRUE(cfg.Set("errors.deadletterqueue.topic.name", "dlq"));
  auto c = Make(cfg, &lake);
  ASSERT_TRUE(c->RunUntilCaughtUp(true));
  EXPECT_EQ(Objects(Lake())["topics/good/partition=0/good+0+0000000000.json"], "1\n3\n");
  auto st = c->Snapshot().partitions.at({"good", 0});
  EXPECT_FALSE(st.failed);
  EXPECT_EQ(st.dlq, 1u);
  std::string buf;
  auto r = log_->Read("dlq", 0, 0, 1 << 20, buf);
  ASSERT_TRUE(r) << r.error().ToString();
  log::RecordReader reader(buf);
  log::RecordView rec;
  ASSERT_TRUE(reader.Next(rec));
  EXPECT_EQ(rec.value, "{oops");
  std::vector<log::Header> headers;
  ASSERT_TRUE(rec.ParseHeaders(headers));
  std::map<std::string, std::string> h;
  for (auto& x : headers) h[std::string(x.key)] = std::string(x.value.value_or(""));
  EXPECT_EQ(h["__connect.errors.topic"], "good");
  EXPECT_EQ(h["__connect.errors.partition"], "0");
  EXPECT_EQ(h["__connect.errors.offset"], "1");
  EXPECT_EQ(h["__connect.errors.connector.name"], "pinpipe-s3-sink");
  EXPECT_EQ(h["__connect.errors.exception.class.name"], "org.apache.kafka.connect.errors.DataException");
  EXPECT_NE(h["__connect.errors.exception.message"].find("not valid JSON"), std::string::npos);
  EXPECT_FALSE(reader.Next(rec));
}

}  // namespace
}  // namespace pinpipe::sink
