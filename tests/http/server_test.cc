#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "http/metrics.h"
#include "test_client.h"

namespace pinpipe::http {
namespace {

using testing::TestClient;

std::string Get(std::string_view path, std::string_view extra = "") {
  return std::string("GET ") + std::string(path) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra) + "\r\n";
}
std::string Post(std::string_view path, std::string_view body) {
  return std::string("POST ") + std::string(path) + " HTTP/1.1\r\nHost: t\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

// Hands responders to a background thread, like the log's flusher does after fsync.
class AsyncCompleter {
 public:
  AsyncCompleter() : thread_([this] { Loop(); }) {}
  ~AsyncCompleter() {
    {
      std::lock_guard l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Add(Responder r, std::string body) {
    {
      std::lock_guard l(mu_);
      pending_.emplace_back(std::move(r), std::move(body));
    }
    cv_.notify_all();
  }
  // Completes in batches of `batch`, newest first (out of arrival order). Atomic: a test sets it
  // while the completer thread already waits.
  std::atomic<size_t> batch{1};

 private:
  void Loop() {
    std::unique_lock l(mu_);
    for (;;) {
      cv_.wait_for(l, std::chrono::milliseconds(20), [&] { return stop_ || pending_.size() >= batch; });
      if (stop_) return;
      if (pending_.size() < batch) continue;
      std::vector<std::pair<Responder, std::string>> work;
      while (!pending_.empty()) {
        work.push_back(std::move(pending_.back()));
        pending_.pop_back();
      }
      l.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      for (auto& [r, body] : work) r.Send(Response::Text(200, body));
      l.lock();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::deque<std::pair<Responder, std::string>> pending_;
  std::thread thread_;
};

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions opts = {}) {
    opts.port = 0;
    if (opts.threads == 0) opts.threads = 2;
    router_.Add("POST", "/echo", [](const Request& req, Responder r) {
      r.Send(Response::Text(200, std::string(req.body)));
    });
    router_.Add("GET", "/topics/{topic}", [](const Request& req, Responder r) {
      r.Send(Response::Json(200, "{\"topic\":\"" + std::string(req.PathParam("topic")) + "\"}"));
    });
    router_.Add("POST", "/async/{id}", [this](const Request& req, Responder r) {
      completer_.Add(std::move(r), std::string(req.PathParam("id")));
    });
    router_.Add("GET", "/drop", [](const Request&, Responder) {});
    router_.Add("GET", "/throw", [](const Request&, Responder) { throw std::runtime_error("x"); });
    router_.Add("POST", "/hold", [this](const Request& req, Responder r) {
      std::lock_guard l(held_mu_);
      held_body_ = std::string(req.body);
      held_.push_back(std::move(r));
    });
    auto s = Server::Start(opts, router_);
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    server_ = std::move(*s);
    ASSERT_NE(server_->port(), 0);
  }
  size_t HeldCount() {
    std::lock_guard l(held_mu_);
    return held_.size();
  }
  bool WaitHeld(size_t n) {
    for (int i = 0; i < 500 && HeldCount() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return HeldCount() >= n;
  }

  Router router_;
  AsyncCompleter completer_;
  std::mutex held_mu_;
  std::vector<Responder> held_;
  std::string held_body_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, KeepAliveManyRequests) {
  StartServer();
  TestClient c(server_->port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 50; ++i) {
    std::string body = "hello " + std::to_string(i);
    ASSERT_TRUE(c.Send(Post("/echo", body)));
    auto r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, body);
    EXPECT_EQ(r->Header("content-type"), "text/plain; charset=utf-8");
    EXPECT_EQ(r->Header("connection"), "");
    EXPECT_FALSE(r->Header("date").empty());
  }
}

TEST_F(ServerTest, PathParamsNotFoundAndMethodNotAllowed) {
  StartServer();
  TestClient c(server_->port());
  ASSERT_TRUE(c.Send(Get("/topics/abc") + Get("/nope") + "DELETE /echo HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto a = c.Read(), b = c.Read(), d = c.Read();
  ASSERT_TRUE(a && b && d);
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(a->body, "{\"topic\":\"abc\"}");
  EXPECT_EQ(b->status, 404);
  EXPECT_EQ(d->status, 405);
  EXPECT_EQ(d->Header("allow"), "POST");
}

TEST_F(ServerTest, PipelinedAsyncResponsesStayInOrder) {
  completer_.batch = 2;  // completes two connections' requests newest-first
  StartServer();
  TestClient a(server_->port()), b(server_->port());
  std::string pa, pb;
  for (int i = 0; i < 10; ++i) {
    pa += Post("/async/a" + std::to_string(i), "x");
    pb += Post("/async/b" + std::to_string(i), "y");
  }
  ASSERT_TRUE(a.Send(pa));
  ASSERT_TRUE(b.Send(pb));
  for (int i = 0; i < 10; ++i) {
    auto ra = a.Read(), rb = b.Read();
    ASSERT_TRUE(ra && rb) << i;
    EXPECT_EQ(ra->body, "a" + std::to_string(i));
    EXPECT_EQ(rb->body, "b" + std::to_string(i));
  }
}

TEST_F(ServerTest, SynchronousPipelineBatch) {
  StartServer();
  TestClient c(server_->port());
  std::string all;
  for (int i = 0; i < 200; ++i) all += Post("/echo", std::to_string(i));
  ASSERT_TRUE(c.Send(all));
  for (int i = 0; i < 200; ++i) {
    auto r = c.Read();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->body, std::to_string(i));
  }
}

TEST_F(ServerTest, ChunkedRequestBody) {
  StartServer();
  TestClient c(server_->port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(c.Send("4;x=y\r\ndefg\r\n0\r\nT: 1\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "abcdefg");
}

TEST_F(ServerTest, SecondServerOnTheSamePortIsRefused) {
  StartServer();
  ServerOptions o;
  o.port = server_->port();
  o.threads = 2;
  auto second = Server::Start(o, router_);
  ASSERT_FALSE(second.has_value()) << "two servers share port " << o.port;
  EXPECT_NE(second.error().message().find("another server"), std::string::npos)
      << second.error().message();
  // The first one still serves.
  TestClient c(server_->port());
  ASSERT_TRUE(c.Send("GET /topics/x HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerTest, HeaderTooLarge431ThenClose) {
  ServerOptions o;
  o.max_header_bytes = 1024;
  StartServer(o);
  TestClient c(server_->port());
  ASSERT_TRUE(c.Send("GET /topics/x HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ServerTest, BodyTooLarge413BeforeBodyIsSent) {
  ServerOptions o;
  o.max_body_bytes = 1000;
  StartServer(o);
  TestClient c(server_->port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" + std::string(3000, 'z')));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ServerTest, ExpectContinue) {
  StartServer();
  TestClient c(server_->port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  auto cont = c.Read();
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(c.Send("data"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "data");
}

TEST_F(ServerTest, MalformedIs400AndVersionIs505) {
  StartServer();
  TestClient c(server_->port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\nHost: t\n\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c.WaitClosed());
  TestClient d(server_->port());
  ASSERT_TRUE(d.Send("GET / HTTP/2.0\r\nHost: t\r\n\r\n"));
  r = d.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 505);
}

TEST_F(ServerTest, Http10ClosesAndConnectionClose) {
  StartServer();
  TestClient c(server_->port());
  ASSERT_TRUE(c.Send("GET /topics/a HTTP/1.0\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(c.WaitClosed());
  TestClient d(server_->port());
  ASSERT_TRUE(d.Send("GET /topics/a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  r = d.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("connection"), "keep-alive");
  ASSERT_TRUE(d.Send(Get("/topics/b", "Connection: close\r\n")));
  r = d.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "{\"topic\":\"b\"}");
  EXPECT_TRUE(d.WaitClosed());
}

TEST_F(ServerTest, DroppedOrThrowingHandlerGives500) {
  StartServer();
  TestClient c(server_->port());
  ASSERT_TRUE(c.Send(Get("/drop") + Get("/throw") + Get("/topics/ok")));
  auto a = c.Read(), b = c.Read(), d = c.Read();
  ASSERT_TRUE(a && b && d);
  EXPECT_EQ(a->status, 500);
  EXPECT_EQ(b->status, 500);
  EXPECT_EQ(d->status, 200);
}

TEST_F(ServerTest, SlowClientGetsHeaderTimeout) {
  ServerOptions o;
  o.header_timeout_ms = 300;
  StartServer(o);
  TestClient c(server_->port());
  std::string req = Get("/topics/slow");
  auto start = std::chrono::steady_clock::now();
  bool got = false;
  std::optional<testing::ClientResponse> r;
  for (char ch : req) {
    if (!c.Send(std::string_view(&ch, 1))) break;
    r = c.Read(100);  // one byte per 100 ms
    if (r) {
      got = true;
      break;
    }
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(r->status, 408);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::milliseconds(1500));
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ServerTest, SlowBodyTimeoutAndIdleTimeout) {
  ServerOptions o;
  o.body_timeout_ms = 300;
  o.idle_timeout_ms = 300;
  StartServer(o);
  TestClient c(server_->port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab"));
  auto r = c.Read(2000);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(c.WaitClosed());

  TestClient idle(server_->port());
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(idle.WaitClosed(3000));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(250));
  EXPECT_TRUE(idle.buffered().empty());  // idle close is silent
}

TEST_F(ServerTest, ClientDisconnectsMidRequestAndWhileHandlerPending) {
  StartServer();
  {
    TestClient c(server_->port());
    ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Len"));
  }
  {
    TestClient c(server_->port());
    ASSERT_TRUE(c.Send(Post("/hold", "held")));
    ASSERT_TRUE(WaitHeld(1));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  {
    std::lock_guard l(held_mu_);
    EXPECT_EQ(held_body_, "held");  // request views still valid after the disconnect
    held_[0].Send(Response::Text(200, "late"));
  }
  TestClient c(server_->port());
  ASSERT_TRUE(c.Send(Post("/echo", "still alive")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "still alive");
}

TEST_F(ServerTest, HalfClosedClientStillGetsResponse) {
  StartServer();
  TestClient c(server_->port());
  ASSERT_TRUE(c.Send(Post("/echo", "one") + Post("/echo", "two")));
  c.ShutdownWrite();
  auto a = c.Read(), b = c.Read();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body, "one");
  EXPECT_EQ(b->body, "two");
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ServerTest, StopIsCleanWithPendingResponders) {
  StartServer();
  TestClient c(server_->port());
  ASSERT_TRUE(c.Send(Post("/hold", "x")));
  ASSERT_TRUE(WaitHeld(1));
  TestClient idle(server_->port());
  server_->Stop();
  EXPECT_TRUE(c.WaitClosed(2000));
  EXPECT_TRUE(idle.WaitClosed(2000));
  server_->Stop();  // idempotent
  std::lock_guard l(held_mu_);
  held_[0].Send(Response::Text(200, "after stop"));  // dropped safely
  server_.reset();
  held_.emplace_back();  // a detached responder is harmless too
}

TEST_F(ServerTest, ResponderOutlivesServer) {
  StartServer();
  TestClient c(server_->port());
  ASSERT_TRUE(c.Send(Post("/hold", "x")));
  ASSERT_TRUE(WaitHeld(1));
  server_.reset();
  std::lock_guard l(held_mu_);
  held_.clear();  // destructor would send 500: dropped
}

TEST_F(ServerTest, ConcurrentClients) {
  ServerOptions o;
  o.threads = 2;
  StartServer(o);
  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t) {
    ts.emplace_back([&, t] {
      TestClient c(server_->port());
      for (int i = 0; i < 200; ++i) {
        std::string body = std::to_string(t) + ":" + std::to_string(i);
        if (!c.Send(Post(i % 2 ? "/echo" : "/async/" + body, body))) return;
        auto r = c.Read();
        if (r && r->status == 200 && r->body == body) ok++;
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 8 * 200);
}

TEST_F(ServerTest, MetricsRendered) {
  StartServer();
  TestClient c(server_->port());
  size_t received = 0;  // every byte of every answer
  auto read = [&] {
    auto r = c.Read();
    if (r) received += r->head.size() + 4 + r->body.size();
    return r.has_value();
  };
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send(Post("/echo", "abc")));
    ASSERT_TRUE(read());
  }
  ASSERT_TRUE(c.Send(Get("/nope")));
  ASSERT_TRUE(read());
  // The client may read the last answer before the server has counted its bytes as sent (seen
  // under ThreadSanitizer): compare once the server has counted every byte the client read —
  // nothing changes after that. (Two renders that merely agree could both precede the count.)
  const std::string all_sent = "pinpipe_http_bytes_sent_total " + std::to_string(received) + "\n";
  std::string m = server_->RenderMetrics();
  for (int i = 0; i < 500 && m.find(all_sent) == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    m = server_->RenderMetrics();
  }
  EXPECT_NE(m.find(all_sent), std::string::npos) << m;
  EXPECT_EQ(m, router_.metrics()->RenderPrometheus());
  EXPECT_NE(m.find("# TYPE pinpipe_http_requests_total counter"), std::string::npos) << m;
  EXPECT_NE(m.find("pinpipe_http_requests_total{route=\"/echo\",method=\"POST\",code=\"2xx\"} 3\n"),
            std::string::npos) << m;
  EXPECT_NE(m.find("pinpipe_http_requests_total{route=\"unmatched\",method=\"\",code=\"4xx\"} 1\n"),
            std::string::npos) << m;
  EXPECT_NE(m.find("pinpipe_http_request_duration_seconds_bucket{route=\"/echo\",method=\"POST\",le=\"+Inf\"} 3\n"),
            std::string::npos) << m;
  EXPECT_NE(m.find("pinpipe_http_request_duration_seconds_count{route=\"/echo\",method=\"POST\"} 3\n"),
            std::string::npos) << m;
  EXPECT_NE(m.find("pinpipe_http_bytes_received_total "), std::string::npos);
  EXPECT_EQ(m.find("pinpipe_http_bytes_sent_total 0\n"), std::string::npos);
}

TEST(ServerStartTest, PortInUseFails) {
  Router router;
  ServerOptions o;
  o.port = 0;
  o.threads = 1;
  auto a = Server::Start(o, router);
  ASSERT_TRUE(a.has_value());
  // Same port without SO_REUSEPORT on our side would fail; with it, a second server on the
  // same port is allowed by the kernel, so check a bad address instead.
  o.bind = "not-an-address";
  auto b = Server::Start(o, router);
  EXPECT_FALSE(b.has_value());
}

}  // namespace
}  // namespace pinpipe::http
