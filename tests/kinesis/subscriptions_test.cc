// SubscribeToShard's subscriptions over a real log, with a manual clock (the 5-minute lifetime,
// the 5-second rule and heartbeats without sleeping) and a task queue the test drains in place
// of the gateway's pool.
#include "kinesis/subscriptions.h"

#include <chrono>
#include <deque>
#include <mutex>
#include <thread>

#include "service_fixture.h"

namespace pinpipe::kinesis {
namespace {

class FakeSink final : public EventSink {
 public:
  bool Event(const Value& event) override {
    std::lock_guard lock(mu);
    events.push_back(event);
    return open;
  }
  void End(const std::optional<ApiError>& error) override {
    std::lock_guard lock(mu);
    ended = true;
    end_error = error;
  }
  size_t Buffered() const override { return buffered; }

  std::vector<std::string> Data() {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (const auto& e : events) {
      for (const auto& r : e.Find("Records")->items) out.push_back(r.Find("Data")->s);
    }
    return out;
  }
  std::mutex mu;
  std::vector<Value> events;
  bool ended = false;
  std::optional<ApiError> end_error;
  bool open = true;
  size_t buffered = 0;
};

class SubscriptionsTest : public testing::ServiceFixture {
 protected:
  void SetUp() override {
    ServiceFixture::SetUp();
    Subscriptions::Options o;
    o.sweeper_thread = false;
    subs_ = std::make_unique<Subscriptions>(*svc_, clock_, [this](std::function<void()> t) {
      std::lock_guard lock(tasks_mu_);
      tasks_.push_back(std::move(t));
      return true;
    }, o);
    ASSERT_TRUE(Call("CreateStream", R"({"StreamName":"s","ShardCount":1})"));
    auto c = Call("RegisterStreamConsumer",
                  R"({"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s","ConsumerName":"c"})");
    ASSERT_TRUE(c);
    consumer_ = c->Find("Consumer")->Find("ConsumerARN")->s;
  }
  void TearDown() override {
    subs_->Stop();
    RunTasks();
    subs_.reset();
    ServiceFixture::TearDown();
  }
  void RunTasks() {
    for (;;) {
      std::function<void()> t;
      {
        std::lock_guard lock(tasks_mu_);
        if (tasks_.empty()) return;
        t = std::move(tasks_.front());
        tasks_.pop_front();
      }
      t();
    }
  }
  // Runs tasks until `done` (waiter callbacks come from the log's flusher thread).
  template <typename F>
  bool RunUntil(F done) {
    for (int i = 0; i < 2000; ++i) {
      RunTasks();
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }
  std::string Put(const std::string& data) {
    auto r = Call("PutRecord", R"({"StreamName":"s","PartitionKey":"k","Data":")" + Base64(data) + R"("})");
    EXPECT_TRUE(r);
    return r ? r->Find("SequenceNumber")->s : "";
  }
  static std::string Base64(const std::string& s) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < s.size(); i += 3) {
      uint32_t v = (uint8_t(s[i]) << 16) | (uint8_t(s[i + 1]) << 8) | uint8_t(s[i + 2]);
      for (int k = 18; k >= 0; k -= 6) out += t[(v >> k) & 63];
    }
    if (i + 1 == s.size()) {
      uint32_t v = uint8_t(s[i]) << 16;
      out += t[(v >> 18) & 63];
      out += t[(v >> 12) & 63];
      out += "==";
    } else if (i + 2 == s.size()) {
      uint32_t v = (uint8_t(s[i]) << 16) | (uint8_t(s[i + 1]) << 8);
      out += t[(v >> 18) & 63];
      out += t[(v >> 12) & 63];
      out += t[(v >> 6) & 63];
      out += '=';
    }
    return out;
  }
  std::expected<std::shared_ptr<Subscription>, ApiError> Open(const std::string& position,
                                                                const std::string& shard = "shardId-000000000000") {
    auto req = DecodeJson(R"({"ConsumerARN":")" + consumer_ + R"(","ShardId":")" + shard +
                          R"(","StartingPosition":)" + position + "}");
    EXPECT_TRUE(req);
    return subs_->Open(*req);
  }
  std::shared_ptr<FakeSink> Start(const std::string& position) {
    auto sub = Open(position);
    EXPECT_TRUE(sub) << (sub ? "" : sub.error().type + ": " + sub.error().message);
    auto sink = std::make_shared<FakeSink>();
    if (sub) subs_->Run(*sub, sink);
    return sink;
  }

  std::unique_ptr<Subscriptions> subs_;  // on the fixture's clock_, as the service
  std::mutex tasks_mu_;
  std::deque<std::function<void()>> tasks_;
  std::string consumer_;
};

TEST_F(SubscriptionsTest, PushesRecordsInOrderAsTheyAreAppended) {
  Put("a");
  Put("b");
  auto sink = Start(R"({"Type":"TRIM_HORIZON"})");
  ASSERT_TRUE(RunUntil([&] { return sink->Data().size() == 2; }));
  const std::string c = Put("c");
  const std::string d = Put("d");
  // Woken by the append notification: no sweep, no clock movement.
  ASSERT_TRUE(RunUntil([&] { return sink->Data().size() == 4; }));
  EXPECT_EQ(sink->Data(), (std::vector<std::string>{"a", "b", "c", "d"}));
  std::lock_guard lock(sink->mu);
  const Value& last = sink->events.back();
  EXPECT_EQ(last.Find("ContinuationSequenceNumber")->s, last.Find("Records")->items.back().Find("SequenceNumber")->s);
  EXPECT_EQ(last.Find("Records")->items.back().Find("SequenceNumber")->s, d);
  EXPECT_EQ(last.Find("MillisBehindLatest")->i, 0);
  EXPECT_FALSE(sink->ended);
}

TEST_F(SubscriptionsTest, StartingPositions) {
  const std::string a = Put("a");
  clock_.Advance(1000);
  const int64_t b_time_s = clock_.WallUs() / 1'000'000;  // b's arrival, in whole seconds
  const std::string b = Put("b");
  Put("c");
  auto at = Start(R"({"Type":"AT_SEQUENCE_NUMBER","SequenceNumber":")" + b + R"("})");
  ASSERT_TRUE(RunUntil([&] { return at->Data().size() == 2; }));
  EXPECT_EQ(at->Data(), (std::vector<std::string>{"b", "c"}));
  clock_.Advance(5000);  // the 5-second rule
  auto after = Start(R"({"Type":"AFTER_SEQUENCE_NUMBER","SequenceNumber":")" + a + R"("})");
  ASSERT_TRUE(RunUntil([&] { return after->Data().size() == 2; }));
  EXPECT_EQ(after->Data(), (std::vector<std::string>{"b", "c"}));
  clock_.Advance(5000);
  auto ts = Start(R"({"Type":"AT_TIMESTAMP","Timestamp":)" + std::to_string(b_time_s) + "}");
  ASSERT_TRUE(RunUntil([&] { return ts->Data().size() == 2; }));
  EXPECT_EQ(ts->Data(), (std::vector<std::string>{"b", "c"}));
  clock_.Advance(5000);
  auto latest = Start(R"({"Type":"LATEST"})");
  ASSERT_TRUE(RunUntil([&] {
    std::lock_guard lock(latest->mu);
    return !latest->events.empty();
  }));
  EXPECT_TRUE(latest->Data().empty());
  Put("d");
  ASSERT_TRUE(RunUntil([&] { return latest->Data().size() == 1; }));
  EXPECT_EQ(latest->Data(), (std::vector<std::string>{"d"}));
  // The first event's continuation number resumes at the position, before "d".
  std::string cont;
  {
    std::lock_guard lock(latest->mu);
    cont = latest->events.front().Find("ContinuationSequenceNumber")->s;
  }
  clock_.Advance(5000);
  auto again = Start(R"({"Type":"AFTER_SEQUENCE_NUMBER","SequenceNumber":")" + cont + R"("})");
  ASSERT_TRUE(RunUntil([&] { return again->Data().size() == 1; }));
  EXPECT_EQ(again->Data(), (std::vector<std::string>{"d"}));
}

TEST_F(SubscriptionsTest, SecondCallWithinFiveSecondsIsResourceInUseThenTakesOver) {
  auto first = Start(R"({"Type":"LATEST"})");
  RunTasks();
  auto early = Open(R"({"Type":"LATEST"})");
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().type, "ResourceInUseException");
  clock_.Advance(4999);
  EXPECT_FALSE(Open(R"({"Type":"LATEST"})"));
  clock_.Advance(1);
  auto second = Start(R"({"Type":"TRIM_HORIZON"})");
  EXPECT_TRUE(first->ended);
  ASSERT_TRUE(first->end_error);
  EXPECT_EQ(first->end_error->type, "ResourceInUseException");
  EXPECT_FALSE(second->ended);
  EXPECT_EQ(subs_->live(), 1u);
}

TEST_F(SubscriptionsTest, EndsAfterFiveMinutesAndSendsHeartbeats) {
  auto sink = Start(R"({"Type":"LATEST"})");
  RunTasks();
  auto events = [&] {
    std::lock_guard lock(sink->mu);
    return sink->events.size();
  };
  ASSERT_EQ(events(), 1u);
  clock_.Advance(4999);
  subs_->Sweep();
  RunTasks();
  EXPECT_EQ(events(), 1u);
  clock_.Advance(1);
  subs_->Sweep();  // 5 s without an event: a heartbeat
  RunTasks();
  EXPECT_EQ(events(), 2u);
  clock_.Advance(300000 - 5000 - 1);
  subs_->Sweep();
  RunTasks();
  EXPECT_FALSE(sink->ended);
  clock_.Advance(1);
  subs_->Sweep();
  EXPECT_TRUE(sink->ended);
  EXPECT_FALSE(sink->end_error);
  EXPECT_EQ(subs_->live(), 0u);
}

TEST_F(SubscriptionsTest, ClosedShardEndsWithChildShards) {
  Put("a");
  ASSERT_TRUE(Call("SplitShard", R"({"StreamName":"s","ShardToSplit":"shardId-000000000000",)"
                                 R"("NewStartingHashKey":"170141183460469231731687303715884105728"})"));
  auto sink = Start(R"({"Type":"TRIM_HORIZON"})");
  ASSERT_TRUE(RunUntil([&] { return sink->ended; }));
  EXPECT_EQ(sink->Data(), (std::vector<std::string>{"a"}));
  std::lock_guard lock(sink->mu);
  const Value& last = sink->events.back();
  EXPECT_EQ(last.Find("ContinuationSequenceNumber"), nullptr);
  ASSERT_NE(last.Find("ChildShards"), nullptr);
  ASSERT_EQ(last.Find("ChildShards")->items.size(), 2u);
  EXPECT_EQ(last.Find("ChildShards")->items[0].Find("ShardId")->s, "shardId-000000000001");
  EXPECT_FALSE(sink->end_error);
}

TEST_F(SubscriptionsTest, UnknownConsumerShardOrPosition) {
  const std::string good = consumer_;
  consumer_ = good.substr(0, good.rfind(':')) + ":1";  // another registration time
  auto r = Open(R"({"Type":"LATEST"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, "ResourceNotFoundException");
  consumer_ = good;
  r = Open(R"({"Type":"LATEST"})", "shardId-000000000007");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, "ResourceNotFoundException");
  r = Open(R"({"Type":"AT_SEQUENCE_NUMBER"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, "InvalidArgumentException");
  r = Open(R"({"Type":"SOMEWHERE"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, "ValidationException");
  // Refused calls take no lease.
  EXPECT_TRUE(Open(R"({"Type":"LATEST"})"));
}

TEST_F(SubscriptionsTest, AGoneClientEndsTheSubscription) {
  auto sub = Open(R"({"Type":"LATEST"})");
  ASSERT_TRUE(sub);
  auto sink = std::make_shared<FakeSink>();
  subs_->Run(*sub, sink);
  RunTasks();
  subs_->Cancel(*sub);
  EXPECT_EQ(subs_->live(), 0u);
  Put("x");
  RunTasks();
  EXPECT_TRUE(sink->Data().empty());
  EXPECT_FALSE(sink->ended);  // cancelled: nothing more is written
}

}  // namespace
}  // namespace pinpipe::kinesis
