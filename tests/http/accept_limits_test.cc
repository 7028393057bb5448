// The accept path under pressure: the connection cap (http.max_connections) and running out of
// file descriptors, which used to make the level-triggered listener spin and log without end.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "common/fd_limit.h"
#include "common/rate_limited_log.h"
#include "http/server.h"
#include "test_client.h"

namespace pinpipe::http {
namespace {

using testing::TestClient;

std::string Get(std::string_view path) {
  return std::string("GET ") + std::string(path) + " HTTP/1.1\r\nHost: t\r\n\r\n";
}

std::unique_ptr<Server> StartServer(Router& router, int max_connections) {
  router.Add("GET", "/ok", [](const Request&, Responder r) { r.Send(Response::Text(200, "ok")); });
  ServerOptions o;
  o.port = 0;
  o.threads = 2;
  o.max_connections = max_connections;
  auto s = Server::Start(o, router);
  EXPECT_TRUE(s) << s.error().ToString();
  return s ? std::move(*s) : nullptr;
}

bool Works(TestClient& c) {
  if (!c.connected() || !c.Send(Get("/ok"))) return false;
  auto r = c.Read();
  return r && r->status == 200;
}

TEST(AcceptLimitsTest, ConnectionsPastTheCapGet503AndTheCapFreesUp) {
  Router router;
  auto server = StartServer(router, 2);
  ASSERT_TRUE(server);
  EXPECT_EQ(server->max_connections(), 2);
  auto a = std::make_unique<TestClient>(server->port());
  TestClient b(server->port());
  ASSERT_TRUE(Works(*a));
  ASSERT_TRUE(Works(b));
  TestClient c(server->port());
  ASSERT_TRUE(c.connected());  // the kernel completes the handshake; the server refuses
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("too many connections"), std::string::npos);
  EXPECT_TRUE(c.WaitClosed());
  EXPECT_EQ(server->refused_connections(), 1u);
  a.reset();  // one slot frees once the server sees the close
  bool ok = false;
  for (int i = 0; i < 200 && !ok; ++i) {
    TestClient d(server->port());
    ok = Works(d);
    if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(ok);
}

TEST(AcceptLimitsTest, OutOfDescriptorsClosesThePendingClientAndBacksOff) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // UBSan's vptr check probes memory through a pipe; with every descriptor taken that probe
  // fails and it reports a false "invalid vptr". Under TSan the warning this test provokes is
  // formatted inside the uninstrumented libspdlog, whose allocations TSan then reports as racing.
  // The normal build runs this test.
  GTEST_SKIP() << "needs free descriptors and instrumented logging; runs in the normal build";
#endif
  Router router;
  auto server = StartServer(router, 10000);
  ASSERT_TRUE(server);
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  // Exhaust the descriptors below a lowered soft limit (the server holds its reserve one).
  rlimit low = saved;
  low.rlim_cur = OpenFileCount() + 32;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> fillers;
  for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) fillers.push_back(fd);
  // Frees one descriptor for a client socket: the server then has none for accept().
  auto client = [&] {
    ::close(fillers.back());
    fillers.pop_back();
    auto c = std::make_unique<TestClient>(server->port());
    return c;
  };
  auto c = client();
  ASSERT_TRUE(c->connected());
  // The server cannot take the connection; the reserve descriptor lets it close it at once
  // instead of leaving the client hanging in the backlog.
  EXPECT_TRUE(c->WaitClosed(5000));
  EXPECT_GE(server->accept_fd_errors(), 1u);
  // A second client while still out of descriptors: also closed, and the listener does not
  // spin (the old loop failed accept() hundreds of thousands of times a second).
  auto c2 = client();
  EXPECT_TRUE(c2->WaitClosed(5000));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LT(server->accept_fd_errors(), 100u) << "the listener spins on EMFILE";
  for (int f : fillers) ::close(f);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  // Descriptors are back: accepting resumes after the pause.
  bool ok = false;
  for (int i = 0; i < 200 && !ok; ++i) {
    TestClient d(server->port());
    ok = Works(d);
    if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(ok);
}

TEST(RateLimitedLogTest, LetsABurstThroughPerIntervalAndCountsTheRest) {
  LogRateLimiter l(2, 1000);
  uint64_t s = 99;
  EXPECT_TRUE(l.Allow(0, &s));
  EXPECT_EQ(s, 0u);
  EXPECT_TRUE(l.Allow(10, &s));
  EXPECT_FALSE(l.Allow(20, &s));
  EXPECT_FALSE(l.Allow(999, &s));
  EXPECT_TRUE(l.Allow(1000, &s));
  EXPECT_EQ(s, 2u);
  EXPECT_TRUE(l.Allow(1001, &s));
  EXPECT_EQ(s, 0u);
}

}  // namespace
}  // namespace pinpipe::http
