// The REST produce path, /healthz and the API-key guard over a real server and log (issue 14):
// bounded requests, JSON validated at the door, strict envelopes, no topic created by a
// refused request, health that reports a partition refusing appends.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../http/test_client.h"
#include "common/file_system.h"
#include "gateway/gateway.h"
#include "http/server.h"
#include "log/log_manager.h"

namespace pinpipe::gateway {
namespace {

using http::testing::ClientResponse;
using http::testing::TestClient;

class ProduceHardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pinpipe-produce-hardening-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override {
    if (server_) server_->Stop();
    gateway_.reset();
    if (log_) log_->Close();
    std::filesystem::remove_all(dir_);
  }

  void Start(GatewayOptions go = {}, FileSystem* fs = nullptr, bool always = false) {
    log::LogOptions lo;
    lo.dir = dir_.string();
    lo.default_partitions = 1;
    lo.fs = fs;
    lo.direct_io = false;
    lo.retention_check_interval_ms = 0;
    lo.flush.mode = always ? log::FlushPolicy::Mode::kAlways : log::FlushPolicy::Mode::kOs;
    auto log = log::LogManager::Open(lo);
    ASSERT_TRUE(log) << log.error().ToString();
    log_ = std::move(*log);
    gateway_ = std::make_unique<Gateway>(*log_, std::move(go));
    http::Router router;
    gateway_->RegisterRoutes(router);
    http::ServerOptions so;
    so.port = 0;
    so.threads = 1;
    auto s = http::Server::Start(so, router);
    ASSERT_TRUE(s) << s.error().ToString();
    server_ = std::move(*s);
  }

  ClientResponse Request(std::string_view method, std::string_view target, std::string_view body = "",
                         std::string_view extra_headers = "",
                         std::string_view content_type = "application/vnd.kafka.json.v2+json") {
    TestClient c(server_->port());
    EXPECT_TRUE(c.connected());
    std::string req = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: h\r\n";
    if (!body.empty()) {
      req += "Content-Type: " + std::string(content_type) + "\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n";
    }
    req += std::string(extra_headers) + "\r\n" + std::string(body);
    EXPECT_TRUE(c.Send(req));
    auto r = c.Read(20000);
    EXPECT_TRUE(r.has_value());
    return r.value_or(ClientResponse{});
  }
  ClientResponse Produce(std::string_view topic, std::string_view body,
                         std::string_view content_type = "application/vnd.kafka.json.v2+json") {
    return Request("POST", "/topics/" + std::string(topic), body, "", content_type);
  }
  int64_t EndOffset(std::string_view topic) {
    auto info = log_->GetPartitionInfo(topic, 0);
    return info ? info->log_end_offset : -1;
  }

  std::filesystem::path dir_;
  std::unique_ptr<log::LogManager> log_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<http::Server> server_;
};

std::string Records(size_t n, std::string_view record = "{}") {
  std::string body = "{\"records\":[";
  for (size_t i = 0; i < n; ++i) {
    if (i) body += ',';
    body += record;
  }
  return body + "]}";
}

TEST_F(ProduceHardeningTest, RecordsPerRequestAreBoundedWith413) {
  GatewayOptions go;
  go.produce.max_records = 100;
  Start(go);
  auto ok = Produce("t", Records(100));
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(EndOffset("t"), 100);
  auto big = Produce("t", Records(101));
  EXPECT_EQ(big.status, 413);
  EXPECT_NE(big.body.find("\"error_code\":413"), std::string::npos) << big.body;
  EXPECT_LT(big.body.size(), 256u);
  EXPECT_EQ(EndOffset("t"), 100);  // nothing of the refused request was appended
}

TEST_F(ProduceHardeningTest, DefaultBoundStopsAMillionEmptyRecords) {
  Start();
  auto r = Produce("t", Records(1'000'000));
  EXPECT_EQ(r.status, 413);
  EXPECT_LT(r.body.size(), 256u);
  EXPECT_EQ(EndOffset("t"), -1);  // not even the topic was created
}

TEST_F(ProduceHardeningTest, ValuesNotEveryReaderAcceptsAre42206) {
  Start();
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  for (const std::string& value : std::vector<std::string>{"01", "-01.5", "1e999", "\"\\ud800\"", "\"\\udc00x\"",
                            "123456789012345678901234567890", "[1,2.]", deep}) {
    auto r = Produce("t", "{\"records\":[{\"value\":{\"ok\":1}},{\"value\":" + value + "}]}");
    EXPECT_EQ(r.status, 422) << value.substr(0, 40);
    EXPECT_NE(r.body.find("\"error_code\":42206"), std::string::npos) << r.body;
    auto k = Produce("t", "{\"records\":[{\"key\":" + value + ",\"value\":1}]}");
    EXPECT_EQ(k.status, 422) << value.substr(0, 40);
  }
  EXPECT_EQ(EndOffset("t"), -1);
  // What every reader accepts still goes through, byte for byte minified.
  auto ok = Produce("t", "{\"records\":[{\"value\":[1e-999, \"\\ud83d\\ude00\", -0.5, 18446744073709551615]}]}");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(EndOffset("t"), 1);
}

TEST_F(ProduceHardeningTest, EnvelopeIsStrict) {
  Start();
  auto dup = Produce("t", "{\"records\":[{\"value\":1}],\"records\":[{\"value\":2}]}");
  EXPECT_EQ(dup.status, 422) << dup.body;
  auto typo = Produce("t", "{\"records\":[{\"valu\":1}]}");
  EXPECT_EQ(typo.status, 422) << typo.body;
  EXPECT_NE(typo.body.find("valu"), std::string::npos);
  auto dup_value = Produce("t", "{\"records\":[{\"value\":1,\"value\":2}]}");
  EXPECT_EQ(dup_value.status, 422) << dup_value.body;
  auto top = Produce("t", "{\"records\":[{\"value\":1}],\"recods\":[]}");
  EXPECT_EQ(top.status, 422) << top.body;
  EXPECT_EQ(EndOffset("t"), -1);
  // Found by fuzz/rest_produce_body_fuzz.cc: a bad atom where a null may be threw out of the
  // handler (500) instead of a 400.
  auto atom = Produce("t", "{\"records\":[{\"value\":1,\"partition\":nulU}]}");
  EXPECT_EQ(atom.status, 400) << atom.body;
  auto schema = Produce("t", "{\"value_schema\":null,\"records\":[{\"value\":1,\"partition\":null}]}");
  EXPECT_EQ(schema.status, 200) << schema.body;
}

TEST_F(ProduceHardeningTest, ErrorsQuoteBoundedInput) {
  Start();
  std::string huge(1 << 20, 'x');
  auto r = Produce("t", "{\"records\":[{\"value\":[\"" + huge + "\"]}]}",
                   "application/vnd.kafka.binary.v2+json");
  EXPECT_EQ(r.status, 400);
  EXPECT_LT(r.body.size(), 512u);
  auto unknown = Produce("t", "{\"records\":[{\"" + huge + "\":1}]}");
  EXPECT_EQ(unknown.status, 422);
  EXPECT_LT(unknown.body.size(), 512u);
}

TEST_F(ProduceHardeningTest, PartitionEndpointDoesNotCreateATopicItCannotUse) {
  Start();
  auto r = Request("POST", "/topics/new/partitions/3", "{\"records\":[{\"value\":1}]}");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("40402"), std::string::npos) << r.body;
  EXPECT_FALSE(log_->GetTopic("new"));
  auto rec = Produce("new2", "{\"records\":[{\"value\":1,\"partition\":5}]}");
  EXPECT_EQ(rec.status, 404);
  EXPECT_FALSE(log_->GetTopic("new2"));
  // Partition 0 exists in a topic created with one partition: created and appended, as Kafka's
  // auto-creation would.
  auto ok = Request("POST", "/topics/new/partitions/0", "{\"records\":[{\"value\":1}]}");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(EndOffset("new"), 1);
}

TEST_F(ProduceHardeningTest, ApiKeyIsCheckedOnceAndExactly) {
  GatewayOptions go;
  go.api_key = "s3cret";
  Start(go);
  EXPECT_EQ(Request("GET", "/topics").status, 403);
  EXPECT_EQ(Request("GET", "/topics", "", "x-api-key: s3cre\r\n").status, 403);
  EXPECT_EQ(Request("GET", "/topics", "", "x-api-key: s3cret!\r\n").status, 403);
  EXPECT_EQ(Request("GET", "/topics", "", "x-api-key: s3cret\r\n").status, 200);
  EXPECT_EQ(Request("GET", "/topics", "", "X-Api-Key: s3cret\r\n").status, 200);
  // Two keys: the first is right, the second is not (or the other way round) -> 400, never 200.
  EXPECT_EQ(Request("GET", "/topics", "", "x-api-key: s3cret\r\nx-api-key: wrong\r\n").status, 400);
  EXPECT_EQ(Request("GET", "/topics", "", "x-api-key: wrong\r\nX-API-KEY: s3cret\r\n").status, 400);
  EXPECT_EQ(Request("GET", "/healthz").status, 200);  // health needs no key
}

TEST_F(ProduceHardeningTest, HealthzIsDegradedWhileAPartitionRefusesAppends) {
  FaultInjectionFileSystem fs;
  Start({}, &fs, /*always=*/true);
  auto ok = Produce("t", Records(1, "{\"value\":1}"));
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto h = Request("GET", "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "{\"status\":\"ok\"}");
  fs.FailAllSyncs(true);  // what ENOSPC at fsync looks like to the log
  auto failed = Produce("t", Records(1, "{\"value\":2}"));
  EXPECT_NE(failed.body.find("50002"), std::string::npos) << failed.body;
  auto d = Request("GET", "/healthz");
  EXPECT_EQ(d.status, 503);
  EXPECT_NE(d.body.find("\"status\":\"degraded\""), std::string::npos) << d.body;
  EXPECT_NE(d.body.find("t-0"), std::string::npos) << d.body;
  fs.FailAllSyncs(false);
}

TEST_F(ProduceHardeningTest, HealthzReportsRegisteredChecks) {
  Start();
  server_->Stop();
  server_.reset();
  // A fresh gateway with a failing check (the sink's, in pinpipe serve).
  gateway_ = std::make_unique<Gateway>(*log_, GatewayOptions{});
  gateway_->AddHealthCheck([](std::vector<std::string>& r) { r.push_back("sink: uploads \"failing\""); });
  http::Router router;
  gateway_->RegisterRoutes(router);
  http::ServerOptions so;
  so.port = 0;
  so.threads = 1;
  auto s = http::Server::Start(so, router);
  ASSERT_TRUE(s);
  server_ = std::move(*s);
  auto d = Request("GET", "/healthz");
  EXPECT_EQ(d.status, 503);
  EXPECT_EQ(d.body, "{\"status\":\"degraded\",\"reasons\":[\"sink: uploads \\\"failing\\\"\"]}");
}

}  // namespace
}  // namespace pinpipe::gateway
