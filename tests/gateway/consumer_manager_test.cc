// The REST consumer API on a real server (one reactor thread) over a log whose offsets file
// can be made to fail or stall its fdatasync.
#include "gateway/consumer_manager.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "../http/test_client.h"
#include "common/file_system.h"
#include "gateway/gateway.h"
#include "http/server.h"
#include "log/log_manager.h"
#include "log/offset_store.h"

namespace pinpipe::gateway {
namespace {

namespace fs = std::filesystem;
using http::testing::ClientResponse;
using http::testing::TestClient;

// A file system whose offsets file (state/consumer_offsets.log) can fail or hold its syncs.
class OffsetsGateFileSystem final : public FaultInjectionFileSystem {
 public:
  Result<std::unique_ptr<File>> Open(const std::string& path, unsigned flags) override {
    PINPIPE_ASSIGN_OR_RETURN(auto file, FaultInjectionFileSystem::Open(path, flags));
    if (!path.ends_with("consumer_offsets.log")) return file;
    return std::unique_ptr<File>(new GatedFile(this, std::move(file)));
  }
  // Directory syncs of paths containing `gated_dir` (e.g. a new topic's) are held too.
  Status SyncDir(const std::string& dir) override {
    if (!gated_dir.empty() && dir.find(gated_dir) != std::string::npos) {
      std::unique_lock l(mu_);
      ++waiting_;
      cv_.notify_all();
      cv_.wait(l, [&] { return !held_; });
      --waiting_;
    }
    return FaultInjectionFileSystem::SyncDir(dir);
  }
  std::string gated_dir;
  void Hold() {
    std::lock_guard l(mu_);
    held_ = true;
  }
  void Release() {
    {
      std::lock_guard l(mu_);
      held_ = false;
    }
    cv_.notify_all();
  }
  // Waits until a sync of the offsets file is held.
  bool WaitHeldSync() {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, std::chrono::seconds(10), [&] { return waiting_ > 0; });
  }
  std::atomic<bool> fail_syncs{false};

 private:
  class GatedFile final : public File {
   public:
    GatedFile(OffsetsGateFileSystem* fs, std::unique_ptr<File> base) : fs_(fs), base_(std::move(base)) {}
    Result<size_t> PRead(uint64_t o, void* b, size_t n) const override { return base_->PRead(o, b, n); }
    Status PWrite(uint64_t o, std::string_view d) override { return base_->PWrite(o, d); }
    Status PWriteV(uint64_t o, std::span<const std::string_view> p) override { return base_->PWriteV(o, p); }
    Status Sync() override { return DataSync(); }
    Status DataSync() override {
      {
        std::unique_lock l(fs_->mu_);
        ++fs_->waiting_;
        fs_->cv_.notify_all();
        fs_->cv_.wait(l, [&] { return !fs_->held_; });
        --fs_->waiting_;
      }
      if (fs_->fail_syncs.load()) return MakeError(ErrorCode::kIoError, "injected fdatasync failure: " + path());
      return base_->DataSync();
    }
    Status Truncate(uint64_t s) override { return base_->Truncate(s); }
    Result<uint64_t> Size() const override { return base_->Size(); }
    const std::string& path() const override { return base_->path(); }

   private:
    OffsetsGateFileSystem* fs_;
    std::unique_ptr<File> base_;
  };
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  int waiting_ = 0;
};

std::string Request(std::string_view method, std::string_view path, std::string_view body = "",
                    std::string_view extra = "") {
  std::string r = std::string(method) + " " + std::string(path) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra);
  if (!body.empty() || method == "POST") {
    r += "Content-Type: application/vnd.kafka.v2+json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return r + "\r\n" + std::string(body);
}

class ConsumerApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pinpipe_gw_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    log::LogOptions lo;
    lo.dir = dir_.string();
    lo.fs = &fs_;
    lo.retention_check_interval_ms = 0;
    auto log = log::LogManager::Open(lo);
    ASSERT_TRUE(log) << log.error().ToString();
    log_ = std::move(*log);
    ASSERT_TRUE(log_->CreateTopic("t", 1));
    ASSERT_TRUE(log_->CreateTopic("u", 1));
    GatewayOptions go;
    if (manual_clock_) go.consumers.clock = &clock_;
    gateway_ = std::make_unique<Gateway>(*log_, go);
    http::Router router;
    gateway_->RegisterRoutes(router);
    http::ServerOptions so;
    so.port = 0;
    so.threads = 1;  // one reactor: anything blocking it stalls every request
    auto server = http::Server::Start(so, router);
    ASSERT_TRUE(server) << server.error().ToString();
    server_ = std::move(*server);
  }
  void TearDown() override {
    fs_.Release();
    server_.reset();
    gateway_.reset();
    log_.reset();
    fs::remove_all(dir_);
  }
  ClientResponse Call(std::string_view method, std::string_view path, std::string_view body = "",
                      std::string_view extra = "", int timeout_ms = 10000) {
    TestClient c(server_->port());
    EXPECT_TRUE(c.connected());
    EXPECT_TRUE(c.Send(Request(method, path, body, extra)));
    auto r = c.Read(timeout_ms);
    return r ? *r : ClientResponse{};
  }
  void Produce(std::string_view topic, std::string_view value) {
    log::Record rec;
    rec.value = value;
    ASSERT_TRUE(log_->AppendSync(topic, 0, std::span<const log::Record>(&rec, 1)));
  }
  // Creates an instance subscribed to `topic`, reading from the earliest offset.
  std::string Consumer(std::string_view group, std::string_view name, std::string_view topic) {
    std::string base = "/consumers/" + std::string(group) + "/instances/" + std::string(name);
    auto r = Call("POST", "/consumers/" + std::string(group),
                  R"({"name":")" + std::string(name) + R"(","format":"binary","auto.offset.reset":"earliest"})");
    EXPECT_EQ(r.status, 200) << r.body;
    r = Call("POST", base + "/subscription", R"({"topics":[")" + std::string(topic) + R"("]})");
    EXPECT_EQ(r.status, 204) << r.body;
    return base;
  }

  fs::path dir_;
  bool manual_clock_ = false;  // the consumers' clock is clock_ (long polls then never time out)
  ManualClock clock_;
  OffsetsGateFileSystem fs_;
  std::unique_ptr<log::LogManager> log_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<http::Server> server_;
};

// Regression: CommitPositions dropped the store's error, so a commit whose fdatasync failed
// was answered 200.
TEST_F(ConsumerApiTest, FailedOffsetSyncAnswers500) {
  Produce("t", "v0");
  std::string base = Consumer("g", "c", "t");
  auto r = Call("GET", base + "/records?timeout=0", "", "Accept: application/vnd.kafka.binary.v2+json\r\n");
  ASSERT_EQ(r.status, 200);
  ASSERT_NE(r.body.find("\"offset\":0"), std::string::npos) << r.body;
  fs_.fail_syncs = true;
  r = Call("POST", base + "/offsets", "");  // everything consumed so far
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_NE(r.body.find("\"error_code\":50002"), std::string::npos) << r.body;
  r = Call("POST", base + "/offsets", R"({"offsets":[{"topic":"t","partition":0,"offset":0}]})");
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_NE(r.body.find("\"error_code\":50002"), std::string::npos) << r.body;
  fs_.fail_syncs = false;
}

// Regression: GET records auto-committed (fdatasync) on the reactor under the manager's
// global lock, so one consumer's slow commit stalled every request of that reactor.
TEST_F(ConsumerApiTest, SlowOffsetSyncStallsNeitherProduceNorOtherConsumers) {
  Produce("t", "v0");
  Produce("u", "w0");
  std::string a = Consumer("ga", "a", "t");
  std::string b = Consumer("gb", "b", "u");
  const std::string binary = "Accept: application/vnd.kafka.binary.v2+json\r\n";
  ASSERT_EQ(Call("GET", a + "/records?timeout=0", "", binary).status, 200);
  fs_.Hold();
  // a's next poll auto-commits offset 1 and waits in fdatasync.
  TestClient slow(server_->port());
  ASSERT_TRUE(slow.Send(Request("GET", a + "/records?timeout=0", "", binary)));
  ASSERT_TRUE(fs_.WaitHeldSync());
  // The same reactor still serves health, produce and another group's consumer.
  EXPECT_EQ(Call("GET", "/healthz", "", "", 3000).status, 200);
  auto produced = [&] {
    TestClient c(server_->port());
    std::string body = R"({"records":[{"value":"djE="}]})";
    c.Send("POST /topics/t HTTP/1.1\r\nHost: t\r\nContent-Type: application/vnd.kafka.binary.v2+json\r\n"
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    auto r = c.Read(3000);
    return r ? r->status : 0;
  }();
  EXPECT_EQ(produced, 200);
  auto rb = Call("GET", b + "/records?timeout=0", "", binary, 3000);
  EXPECT_EQ(rb.status, 200);
  EXPECT_NE(rb.body.find("\"offset\":0"), std::string::npos) << rb.body;
  // a is still waiting for its commit; released, it answers.
  EXPECT_FALSE(slow.Read(200));
  fs_.Release();
  auto ra = slow.Read(10000);
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->status, 200);
  EXPECT_EQ(log_->offsets().Fetch("ga", "t", 0)->offset, 1);
}

// Regression (issue 14, item 13): a produce to a missing topic created it on the reactor thread
// (directories, files and their fsyncs), so while one client auto-created topics, produce to
// existing topics on that reactor waited. Creation now runs on its own thread.
TEST_F(ConsumerApiTest, AutoCreatingATopicDoesNotStallProduceToOthers) {
  fs_.gated_dir = "brand-new";
  fs_.Hold();
  auto post = [&](TestClient& c, std::string_view topic) {
    std::string body = R"({"records":[{"value":"djE="}]})";
    return c.Send("POST /topics/" + std::string(topic) + " HTTP/1.1\r\nHost: t\r\n"
                  "Content-Type: application/vnd.kafka.binary.v2+json\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\n\r\n" + body);
  };
  TestClient creating(server_->port());
  ASSERT_TRUE(post(creating, "brand-new"));
  ASSERT_TRUE(fs_.WaitHeldSync());  // the creation waits in a directory fsync
  TestClient other(server_->port());
  ASSERT_TRUE(post(other, "t"));
  auto r = other.Read(3000);
  ASSERT_TRUE(r) << "produce to an existing topic waited for another topic's creation";
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_FALSE(creating.Read(100));  // still creating
  fs_.Release();
  auto c = creating.Read(10000);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, 200) << c->body;
  EXPECT_TRUE(log_->GetTopic("brand-new"));
}

// Reads run outside the group lock on a snapshot of positions; concurrent polls of one
// instance, racing with a member joining (a rebalance) and with appends, must still return
// every record exactly once.
TEST_F(ConsumerApiTest, ConcurrentPollsOfOneInstanceReturnEachRecordOnce) {
  ASSERT_TRUE(log_->CreateTopic("many", 4));
  std::string base = Consumer("g", "a", "many");
  const std::string binary = "Accept: application/vnd.kafka.binary.v2+json\r\n";
  constexpr int kRecords = 400;
  std::thread producer([&] {
    for (int i = 0; i < kRecords; ++i) {
      log::Record rec;
      std::string v = std::to_string(i);
      rec.value = v;
      ASSERT_TRUE(log_->AppendSync("many", i % 4, std::span<const log::Record>(&rec, 1)));
    }
  });
  std::mutex mu;
  std::multiset<std::pair<int, int>> seen;  // (partition, offset)
  std::atomic<bool> produced{false};
  auto reader = [&] {
    TestClient c(server_->port());
    int idle = 0;
    while (idle < 3) {
      ASSERT_TRUE(c.Send(Request("GET", base + "/records?timeout=50&max_bytes=20", "", binary)));
      auto r = c.Read(10000);
      ASSERT_TRUE(r);
      ASSERT_EQ(r->status, 200) << r->body;
      size_t pos = 0, n = 0;
      while ((pos = r->body.find("\"partition\":", pos)) != std::string::npos) {
        int p = std::atoi(r->body.c_str() + pos + 12);
        pos = r->body.find("\"offset\":", pos);
        int o = std::atoi(r->body.c_str() + pos + 9);
        std::lock_guard l(mu);
        seen.emplace(p, o);
        ++n;
      }
      idle = (n == 0 && produced.load()) ? idle + 1 : 0;
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) readers.emplace_back(reader);
  // A second member joins and leaves the group while the reads run: two rebalances.
  auto r = Call("POST", "/consumers/g", R"({"name":"b","format":"binary","auto.offset.reset":"earliest"})");
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(Call("POST", "/consumers/g/instances/b/subscription", R"({"topics":["many"]})").status, 204);
  ASSERT_EQ(Call("DELETE", "/consumers/g/instances/b").status, 204);
  producer.join();
  produced = true;
  for (auto& t : readers) t.join();
  // b may have read (and auto-committed on leaving) some records; a resumes after them.
  // Whatever a returned, it returned once.
  for (const auto& e : seen) EXPECT_EQ(seen.count(e), 1u) << e.first << "-" << e.second;
  // And a ends at the end of every partition.
  for (int p = 0; p < 4; ++p) {
    int64_t max = -1;
    for (const auto& [pp, o] : seen) {
      if (pp == p) max = std::max<int64_t>(max, o);
    }
    EXPECT_EQ(max, kRecords / 4 - 1) << "partition " << p;
  }
}

// The clock seam: instance expiry (consumer.instance.timeout.ms, 5 minutes by default) is
// tested by moving a ManualClock, not by sleeping. An instance used within the timeout stays;
// the idle one is removed by the poller's next sweep, and its partition moves to the other.
// (Only `busy` is ever called after the clock moves: every call renews the instance it names.)
class ConsumerClockTest : public ConsumerApiTest {
 protected:
  void SetUp() override {
    manual_clock_ = true;
    ConsumerApiTest::SetUp();
  }
};

TEST_F(ConsumerClockTest, IdleInstancesExpireOnTheConsumerClock) {
  ASSERT_TRUE(log_->CreateTopic("two", 2));
  Consumer("g", "idle", "two");
  const std::string busy = Consumer("g", "busy", "two");
  auto assigned = [&] {
    auto r = Call("GET", busy + "/assignments");
    EXPECT_EQ(r.status, 200) << r.body;
    long n = 0;  // one {"topic":…,"partition":N} per assigned partition
    for (size_t at = r.body.find("\"partition\":"); at != std::string::npos; at = r.body.find("\"partition\":", at + 1)) ++n;
    return n;
  };
  ASSERT_EQ(assigned(), 1);
  const int64_t timeout = ConsumerOptions{}.instance_timeout_ms;
  clock_.Advance(timeout / 2 + 1);
  ASSERT_EQ(assigned(), 1);             // a use renews `busy`; `idle` is half-way to expiry
  clock_.Advance(timeout / 2 + 1001);  // past idle's timeout and the sweep period
  long n = 0;
  for (int i = 0; i < 200 && n != 2; ++i) {  // the poller reads the clock every 50 ms
    n = assigned();
    if (n != 2) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(n, 2) << "the idle instance outlived consumer.instance.timeout.ms";
}

}  // namespace
}  // namespace pinpipe::gateway
