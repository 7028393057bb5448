// ClusterConsumers without a reachable cluster: the routes answer from the instance's thread
// (never the reactor), the unsupported ones say so, and DELETE and Stop end a consumer that
// never reached its group. (The group behaviour itself is tested against the real Kafka
// broker: tests/integration/test_external_kafka_groups.py.)
#include "kafka/cluster_consumers.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "../http/test_client.h"
#include "gateway/gateway.h"
#include "http/server.h"
#include "log/log_manager.h"

namespace pinpipe::kafka {
namespace {

namespace fs = std::filesystem;

class ClusterConsumersTest : public ::testing::Test {
 protected:
  void SetUp() override {
#if defined(__SANITIZE_THREAD__)
    // librdkafka starts its threads with C11 thrd_create, which ThreadSanitizer does not
    // intercept: its runtime crashes in their first allocation (not a race in this code).
    GTEST_SKIP() << "librdkafka's threads are invisible to ThreadSanitizer";
#endif
    dir_ = fs::temp_directory_path() / ("pinpipe_cc_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    log::LogOptions lo;
    lo.dir = dir_.string();
    lo.retention_check_interval_ms = 0;
    auto log = log::LogManager::Open(lo);
    ASSERT_TRUE(log) << log.error().ToString();
    log_ = std::move(*log);
    ClusterConsumerOptions co;
    co.cluster.bootstrap = "127.0.0.1:1";  // nothing listens there
    co.cluster.timeout_ms = 1000;
    consumers_ = std::make_unique<ClusterConsumers>(co);
    gateway::GatewayOptions go;
    go.cluster_consumers = consumers_.get();
    gateway_ = std::make_unique<gateway::Gateway>(*log_, go);
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
    if (!server_) return;
    server_.reset();
    gateway_.reset();
    consumers_.reset();
    log_.reset();
    fs::remove_all(dir_);
  }
  http::testing::ClientResponse Call(std::string_view method, const std::string& path, std::string_view body = "") {
    http::testing::TestClient c(server_->port());
    std::string r = std::string(method) + " " + path + " HTTP/1.1\r\nHost: t\r\n";
    if (!body.empty() || method == "POST") {
      r += "Content-Type: application/vnd.kafka.v2+json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    }
    EXPECT_TRUE(c.Send(r + "\r\n" + std::string(body)));
    auto resp = c.Read(20000);
    return resp ? *resp : http::testing::ClientResponse{};
  }

  fs::path dir_;
  std::unique_ptr<log::LogManager> log_;
  std::unique_ptr<ClusterConsumers> consumers_;
  std::unique_ptr<gateway::Gateway> gateway_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(ClusterConsumersTest, RoutesAnswerWithoutAClusterAndDeleteEndsTheConsumer) {
  auto r = Call("POST", "/consumers/g", R"({"name":"a","format":"binary"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("/consumers/g/instances/a"), std::string::npos) << r.body;
  EXPECT_EQ(Call("POST", "/consumers/g", R"({"name":"a"})").status, 409);
  const std::string a = "/consumers/g/instances/a";
  EXPECT_EQ(Call("POST", a + "/subscription", R"({"topics":["t"]})").status, 204);
  r = Call("GET", a + "/subscription");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"topics":["t"]})");
  r = Call("GET", a + "/assignments");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"partitions":[]})");  // never reached the group
  r = Call("GET", a + "/records?timeout=100");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "[]");
  r = Call("POST", a + "/assignments", R"({"partitions":[{"topic":"t","partition":0}]})");
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.body.find("kafka.bootstrap"), std::string::npos) << r.body;
  EXPECT_EQ(Call("POST", a + "/positions/beginning", R"({"partitions":[{"topic":"t","partition":0}]})").status, 409);
  EXPECT_TRUE(gateway_->HasConsumerInstances("g"));
  EXPECT_EQ(Call("DELETE", a).status, 204);
  EXPECT_FALSE(gateway_->HasConsumerInstances("g"));
  EXPECT_EQ(Call("GET", a + "/assignments").status, 404);
  // Stop ends the instances still open (one here).
  ASSERT_EQ(Call("POST", "/consumers/g", R"({"name":"b"})").status, 200);
  consumers_->Stop();
}

}  // namespace
}  // namespace pinpipe::kafka
