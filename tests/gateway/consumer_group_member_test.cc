// REST Proxy consumer instances as members of the group coordinator (issue 16: one set of
// groups): a Kafka member is played by direct coordinator calls, time by a ManualClock shared
// by the coordinator and the consumers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <optional>
#include <set>
#include <thread>

#include "../http/test_client.h"
#include "common/clock.h"
#include "common/mutex.h"
#include "gateway/gateway.h"
#include "groups/consumer_protocol.h"
#include "groups/group_coordinator.h"
#include "http/server.h"
#include "log/log_manager.h"

namespace pinpipe::gateway {
namespace {

namespace fs = std::filesystem;
using http::testing::ClientResponse;
using http::testing::TestClient;

constexpr int64_t kInstanceTimeoutMs = 3'600'000;

// What a coordinator callback delivered, read by the test thread.
template <typename T>
class Slot {
 public:
  void Set(T v) {
    MutexLock l(mu_);
    v_ = std::move(v);
  }
  std::optional<T> Get() {
    MutexLock l(mu_);
    return v_;
  }
  void Reset() {
    MutexLock l(mu_);
    v_.reset();
  }

 private:
  Mutex mu_;
  std::optional<T> v_ GUARDED_BY(mu_);
};

template <typename F>
bool Eventually(F f) {
  for (int i = 0; i < 1000; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

class ConsumerGroupMemberTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pinpipe_gm_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    log::LogOptions lo;
    lo.dir = dir_.string();
    lo.retention_check_interval_ms = 0;
    auto log = log::LogManager::Open(lo);
    ASSERT_TRUE(log) << log.error().ToString();
    log_ = std::move(*log);
    ASSERT_TRUE(log_->CreateTopic("four", 4));
    coordinator_ = std::make_unique<groups::GroupCoordinator>(
        groups::CoordinatorOptions{.initial_rebalance_delay_ms = 0, .clock = &clock_});
    GatewayOptions go;
    go.consumers.clock = &clock_;
    go.consumers.coordinator = coordinator_.get();
    go.consumers.instance_timeout_ms = kInstanceTimeoutMs;
    gateway_ = std::make_unique<Gateway>(*log_, go);
    http::Router router;
    gateway_->RegisterRoutes(router);
    http::ServerOptions so;
    so.port = 0;
    so.threads = 1;
    auto server = http::Server::Start(so, router);
    ASSERT_TRUE(server) << server.error().ToString();
    server_ = std::move(*server);
  }
  void TearDown() override {
    gateway_->Stop();
    coordinator_->Stop();
    server_.reset();
    gateway_.reset();
    coordinator_.reset();
    log_.reset();
    fs::remove_all(dir_);
  }
  ClientResponse Call(std::string_view method, const std::string& path, std::string_view body = "") {
    TestClient c(server_->port());
    std::string r = std::string(method) + " " + path + " HTTP/1.1\r\nHost: t\r\n";
    if (!body.empty() || method == "POST") {
      r += "Content-Type: application/vnd.kafka.v2+json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    }
    EXPECT_TRUE(c.Send(r + "\r\n" + std::string(body)));
    auto resp = c.Read(10000);
    return resp ? *resp : ClientResponse{};
  }
  std::string Subscribed(const std::string& name, std::string_view extra = "") {
    const std::string base = "/consumers/g/instances/" + name;
    auto r = Call("POST", "/consumers/g",
                  R"({"name":")" + name + R"(","format":"binary","auto.offset.reset":"earliest")" +
                      std::string(extra) + "}");
    EXPECT_EQ(r.status, 200) << r.body;
    r = Call("POST", base + "/subscription", R"({"topics":["four"]})");
    EXPECT_EQ(r.status, 204) << r.body;
    return base;
  }
  std::set<int> Partitions(const std::string& body) {
    std::set<int> out;
    for (size_t at = body.find("\"partition\":"); at != std::string::npos; at = body.find("\"partition\":", at + 1)) {
      out.insert(std::atoi(body.c_str() + at + 12));
    }
    return out;
  }
  std::set<int> Assigned(const std::string& base) {
    auto r = Call("GET", base + "/assignments");
    EXPECT_EQ(r.status, 200) << r.body;
    return Partitions(r.body);
  }
  void Produce(int partition, int n) {
    for (int i = 0; i < n; ++i) {
      log::Record rec;
      rec.value = "v";
      ASSERT_TRUE(log_->AppendSync("four", partition, std::span<const log::Record>(&rec, 1)));
    }
  }
  // The Kafka member: JoinGroup as a client would send it (no on_rebalance; it heartbeats).
  groups::JoinRequest KafkaJoin(std::string member_id = "") {
    groups::JoinRequest r;
    r.group_id = "g";
    r.member_id = std::move(member_id);
    r.client_id = "kafka";
    r.client_host = "/127.0.0.2";
    r.protocol_type = "consumer";
    r.session_timeout_ms = 10000;
    r.rebalance_timeout_ms = 30000;
    r.protocols = {{"range", groups::EncodeSubscription({"four"})}};
    return r;
  }
  static std::set<int> Decoded(const std::string& assignment) {
    std::set<int> out;
    auto list = groups::DecodeAssignment(assignment);
    EXPECT_TRUE(list);
    if (list) {
      for (const auto& [topic, parts] : *list) out.insert(parts.begin(), parts.end());
    }
    return out;
  }

  fs::path dir_;
  ManualClock clock_;
  std::unique_ptr<log::LogManager> log_;
  std::unique_ptr<groups::GroupCoordinator> coordinator_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<http::Server> server_;
};

// A REST leader assigns range over both members; the REST member outlives any session timeout
// while its instance lives (its requests are its heartbeat), takes every partition when the
// silent Kafka member expires, and leaves the group when its own instance expires.
TEST_F(ConsumerGroupMemberTest, ARestLeaderSplitsWithAKafkaMemberAndOnlyItsInstanceExpiryRemovesIt) {
  const std::string a = Subscribed("a");
  EXPECT_EQ(Assigned(a), (std::set<int>{0, 1, 2, 3}));
  auto d = coordinator_->Describe("g");
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].client_id, "a");
  EXPECT_EQ(d.members[0].client_host, "/127.0.0.1");
  EXPECT_EQ(d.protocol_type, "consumer");

  // The Kafka member joins: the REST member is told, rejoins from the pool, leads the round.
  Slot<groups::JoinResult> k;
  coordinator_->Join(KafkaJoin(), [&](groups::JoinResult r) { k.Set(std::move(r)); });
  ASSERT_TRUE(Eventually([&] { return k.Get().has_value(); }));
  const groups::JoinResult kj = *k.Get();
  ASSERT_EQ(kj.error, 0);
  EXPECT_NE(kj.leader, kj.member_id);
  EXPECT_TRUE(kj.members.empty());  // a follower gets no metadata
  Slot<groups::SyncResult> ks;
  coordinator_->Sync("g", kj.generation, kj.member_id, {}, [&](groups::SyncResult r) { ks.Set(std::move(r)); });
  ASSERT_TRUE(Eventually([&] { return ks.Get().has_value(); }));
  ASSERT_EQ(ks.Get()->error, 0);
  // Range over member ids "a-…" < "kafka-…": the REST member has 0,1.
  EXPECT_EQ(Decoded(ks.Get()->assignment), (std::set<int>{2, 3}));
  EXPECT_TRUE(Eventually([&] { return Assigned(a) == std::set<int>{0, 1}; }));
  EXPECT_EQ(coordinator_->Describe("g").state, "Stable");

  // Past the longest session the coordinator allows: the Kafka member (silent) expires, the
  // REST member does not, and is handed every partition.
  clock_.Advance(1'900'000);
  coordinator_->Tick();
  EXPECT_TRUE(Eventually([&] { return Assigned(a) == std::set<int>{0, 1, 2, 3}; }));
  d = coordinator_->Describe("g");
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].client_id, "a");

  // Its instance expires (consumer.instance.timeout.ms on the same clock): it leaves the group.
  clock_.Advance(kInstanceTimeoutMs + 1001);
  EXPECT_TRUE(Eventually([&] { return coordinator_->Describe("g").members.empty(); }));
  EXPECT_EQ(Call("GET", a + "/assignments").status, 404);
}

// A Kafka leader assigns to the REST member from its Subscription bytes; a REST read while
// the round waits for the leader answers nothing, then reads the partitions it was given;
// commits are checked against the generation (refused while a round is completing).
TEST_F(ConsumerGroupMemberTest, AKafkaLeadersAssignmentIsWhatTheRestMemberReads) {
  Slot<groups::JoinResult> k;
  coordinator_->Join(KafkaJoin(), [&](groups::JoinResult r) { k.Set(std::move(r)); });
  ASSERT_TRUE(k.Get());
  const std::string kid = k.Get()->member_id;
  coordinator_->Sync("g", 1, kid, {}, [](groups::SyncResult) {});
  for (int p = 0; p < 4; ++p) Produce(p, p + 1);

  const std::string a = Subscribed("a", R"(,"auto.commit.enable":"false")");
  // Its join waits for the Kafka member, which has not rejoined yet: nothing to read.
  EXPECT_TRUE(Assigned(a).empty());
  auto r = Call("GET", a + "/records?timeout=0");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "[]");
  EXPECT_EQ(coordinator_->Heartbeat("g", 1, kid), 27);  // REBALANCE_IN_PROGRESS

  k.Reset();
  coordinator_->Join(KafkaJoin(kid), [&](groups::JoinResult res) { k.Set(std::move(res)); });
  ASSERT_TRUE(Eventually([&] { return k.Get().has_value(); }));
  const groups::JoinResult kj = *k.Get();
  ASSERT_EQ(kj.leader, kid);
  ASSERT_EQ(kj.members.size(), 2u);
  std::string rest_id;
  for (const auto& [id, meta] : kj.members) {
    if (id == kid) continue;
    rest_id = id;
    EXPECT_EQ(groups::DecodeSubscriptionTopics(meta), std::vector<std::string>{"four"});
  }
  // While the leader has not synced, a commit of the REST member is refused.
  r = Call("POST", a + "/offsets", R"({"offsets":[{"topic":"four","partition":1,"offset":0}]})");
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_NE(r.body.find("50002"), std::string::npos) << r.body;
  // The leader's own (not range) choice: the REST member gets 1 and 3.
  coordinator_->Sync("g", kj.generation, kid,
                     {{kid, groups::EncodeAssignment({{"four", {0, 2}}})},
                      {rest_id, groups::EncodeAssignment({{"four", {1, 3}}})}},
                     [](groups::SyncResult) {});
  ASSERT_TRUE(Eventually([&] { return Assigned(a) == std::set<int>{1, 3}; }));
  std::set<int> read;
  int records = 0;
  for (int i = 0; i < 10 && records < 2 + 4; ++i) {
    r = Call("GET", a + "/records?timeout=0");
    ASSERT_EQ(r.status, 200) << r.body;
    for (int p : Partitions(r.body)) read.insert(p);
    for (size_t at = r.body.find("\"offset\":"); at != std::string::npos; at = r.body.find("\"offset\":", at + 1)) ++records;
  }
  EXPECT_EQ(read, (std::set<int>{1, 3}));
  EXPECT_EQ(records, 2 + 4);
  r = Call("POST", a + "/offsets", R"({"offsets":[{"topic":"four","partition":1,"offset":1}]})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(coordinator_->CheckCommit("g", kj.generation, kid), 0);
}

}  // namespace
}  // namespace pinpipe::gateway
