// The HTTP/2 side of the server (Http2Session) on its own: requests and responses, many
// streams on one connection answered out of order, streamed bodies under flow control, resets
// from either side, limits and bad frames, the idle GOAWAY, and HTTP/1.1 on the same port.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "h2_test_client.h"
#include "http/body_stream.h"
#include "http/server.h"
#include "test_client.h"

namespace pinpipe::http {
namespace {

using testing::H2Client;

class Http2Test : public ::testing::Test {
 protected:
  void StartServer(ServerOptions opts = {}) {
    opts.port = 0;
    if (opts.threads == 0) opts.threads = 2;
    router_.Add("POST", "/echo", [](const Request& req, Responder r) {
      Response resp = Response::Text(200, std::string(req.body));
      resp.headers.emplace_back("X-Seen-Host", std::string(req.Header("host")));
      r.Send(std::move(resp));
    });
    router_.Add("GET", "/topics/{topic}", [](const Request& req, Responder r) {
      r.Send(Response::Json(200, "{\"topic\":\"" + std::string(req.PathParam("topic")) + "\"}"));
    });
    // Held until the test answers, so answers can go out in any order.
    router_.Add("POST", "/hold/{id}", [this](const Request& req, Responder r) {
      std::lock_guard l(mu_);
      held_.emplace_back(std::string(req.PathParam("id")), std::move(r));
    });
    router_.Add("GET", "/stream", [this](const Request&, Responder r) {
      Response head;
      head.status = 200;
      head.content_type = "application/octet-stream";
      head.body = "head;";
      auto s = r.SendStream(std::move(head));
      s->SetOnClose([this] { stream_closed_.store(true); });
      std::lock_guard l(mu_);
      body_ = std::move(s);
    });
    auto s = Server::Start(opts, router_);
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    server_ = std::move(*s);
  }
  size_t Held() {
    std::lock_guard l(mu_);
    return held_.size();
  }
  std::shared_ptr<BodyStream> Body() {
    std::lock_guard l(mu_);
    return body_;
  }

  Router router_;
  std::mutex mu_;
  std::vector<std::pair<std::string, Responder>> held_;
  std::shared_ptr<BodyStream> body_;
  std::atomic<bool> stream_closed_{false};
  std::unique_ptr<Server> server_;
};

TEST_F(Http2Test, RequestsAreRoutedAndAnsweredAsOverHttp1) {
  StartServer();
  H2Client c(server_->port());
  ASSERT_TRUE(c.connected());
  const std::string big(200 * 1024, 'x');  // more than one DATA frame and the default window
  const int32_t get = c.Submit("GET", "/topics/a%2Fb");
  const int32_t post = c.Submit("POST", "/echo", big);
  const int32_t missing = c.Submit("GET", "/nope");
  const int32_t wrong = c.Submit("DELETE", "/echo");
  ASSERT_TRUE(c.RunUntil([&] {
    return c.stream(get).closed && c.stream(post).closed && c.stream(missing).closed && c.stream(wrong).closed;
  }));
  EXPECT_EQ(c.stream(get).status, 200);
  EXPECT_EQ(c.stream(get).body, "{\"topic\":\"a/b\"}");  // decoded once, as over HTTP/1.1
  EXPECT_EQ(c.stream(get).headers["content-type"], "application/json");
  EXPECT_EQ(c.stream(post).status, 200);
  EXPECT_EQ(c.stream(post).body, big);
  EXPECT_EQ(c.stream(post).headers["content-length"], std::to_string(big.size()));
  EXPECT_EQ(c.stream(post).headers["x-seen-host"], "127.0.0.1");  // :authority read as Host
  EXPECT_EQ(c.stream(missing).status, 404);
  EXPECT_EQ(c.stream(wrong).status, 405);
  EXPECT_NE(c.stream(wrong).headers["allow"].find("POST"), std::string::npos);
  EXPECT_FALSE(c.goaway());
}

TEST_F(Http2Test, ManyStreamsOnOneConnectionAnsweredInAnyOrder) {
  StartServer();
  H2Client c(server_->port());
  std::vector<int32_t> ids;
  for (int i = 0; i < 100; ++i) ids.push_back(c.Submit("POST", "/hold/" + std::to_string(i), "b"));
  ASSERT_TRUE(c.RunUntil([&] { return Held() == 100; }));
  {
    std::lock_guard l(mu_);
    for (auto it = held_.rbegin(); it != held_.rend(); ++it) it->second.Send(Response::Text(200, it->first));
    held_.clear();
  }
  ASSERT_TRUE(c.RunUntil([&] {
    for (int32_t id : ids) {
      if (!c.stream(id).closed) return false;
    }
    return true;
  }));
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(c.stream(ids[i]).status, 200);
    EXPECT_EQ(c.stream(ids[i]).body, std::to_string(i)) << "stream " << ids[i];
  }
}

TEST_F(Http2Test, AStreamedBodyArrivesAsItIsWrittenAndEnds) {
  StartServer();
  H2Client c(server_->port());
  const int32_t id = c.Submit("GET", "/stream");
  ASSERT_TRUE(c.RunUntil([&] { return c.stream(id).body == "head;"; }));
  EXPECT_EQ(c.stream(id).status, 200);
  EXPECT_EQ(c.stream(id).headers.count("content-length"), 0u);  // open-ended
  auto body = Body();
  ASSERT_NE(body, nullptr);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(body->Write("part" + std::to_string(i) + ";"));
    // Each piece is pushed before the next is written: no batching until the end.
    const std::string want = "head;" + [&] {
      std::string s;
      for (int j = 0; j <= i; ++j) s += "part" + std::to_string(j) + ";";
      return s;
    }();
    ASSERT_TRUE(c.RunUntil([&] { return c.stream(id).body == want; })) << c.stream(id).body;
    EXPECT_FALSE(c.stream(id).ended);
  }
  body->End();
  ASSERT_TRUE(c.Await(id));
  EXPECT_TRUE(c.stream(id).ended);
  EXPECT_EQ(c.stream(id).error_code, 0u);
  EXPECT_TRUE(stream_closed_.load());
  EXPECT_FALSE(body->Write("late")) << "a write after End is refused";
}

TEST_F(Http2Test, AStreamedBodyWaitsForTheClientsWindowAndReportsWhatIsUnsent) {
  StartServer();
  H2Client c(server_->port(), /*window=*/16 * 1024, /*auto_window=*/false);
  const int32_t id = c.Submit("GET", "/stream");
  ASSERT_TRUE(c.RunUntil([&] { return c.stream(id).status == 200; }));
  auto body = Body();
  ASSERT_NE(body, nullptr);
  std::string sent;
  for (int i = 0; i < 64; ++i) {  // 256 KiB against a 16 KiB window
    std::string piece(4096, static_cast<char>('a' + i % 26));
    sent += piece;
    ASSERT_TRUE(body->Write(std::move(piece)));
  }
  body->End();
  // The client consumes nothing: the server stops at the window and says how much waits.
  c.RunUntil([] { return false; }, 300);
  EXPECT_LE(c.stream(id).body.size(), 16u * 1024 + 5);
  EXPECT_GT(body->buffered(), 200u * 1024) << "unsent bytes are reported to the producer";
  // Consuming opens the window; everything arrives in order, then END_STREAM.
  size_t consumed = 0;
  ASSERT_TRUE(c.RunUntil([&] {
    c.Consume(id, c.stream(id).body.size() - consumed);
    consumed = c.stream(id).body.size();
    return c.stream(id).closed;
  }, 10000));
  EXPECT_TRUE(c.stream(id).ended);
  EXPECT_EQ(c.stream(id).body, "head;" + sent);
}

TEST_F(Http2Test, AClientResetClosesTheBodyStreamAndTheConnectionGoesOn) {
  StartServer();
  H2Client c(server_->port());
  const int32_t id = c.Submit("GET", "/stream");
  ASSERT_TRUE(c.RunUntil([&] { return c.stream(id).body == "head;"; }));
  auto body = Body();
  ASSERT_NE(body, nullptr);
  c.Reset(id);
  ASSERT_TRUE(c.RunUntil([&] { return stream_closed_.load(); }));
  EXPECT_FALSE(body->open());
  EXPECT_FALSE(body->Write("after the reset"));
  const int32_t next = c.Submit("GET", "/topics/t");
  ASSERT_TRUE(c.Await(next));
  EXPECT_EQ(c.stream(next).status, 200);
}

TEST_F(Http2Test, AnAnswerToAStreamTheClientResetIsDropped) {
  StartServer();
  H2Client c(server_->port());
  const int32_t held = c.Submit("POST", "/hold/1", "x");
  ASSERT_TRUE(c.RunUntil([&] { return Held() == 1; }));
  c.Reset(held);
  const int32_t next = c.Submit("GET", "/topics/t");
  ASSERT_TRUE(c.Await(next));
  {
    std::lock_guard l(mu_);
    held_.front().second.Send(Response::Text(200, "too late"));
    held_.clear();
  }
  const int32_t after = c.Submit("GET", "/topics/u");
  ASSERT_TRUE(c.Await(after));
  EXPECT_EQ(c.stream(after).body, "{\"topic\":\"u\"}");
  EXPECT_TRUE(c.stream(held).body.empty());
  EXPECT_EQ(c.stream(held).error_code, static_cast<uint32_t>(NGHTTP2_CANCEL));
}

TEST_F(Http2Test, LimitsAnswer413AndResetOnlyTheStreamOverTheHeaderLimit) {
  ServerOptions o;
  o.max_body_bytes = 1024;
  o.max_header_bytes = 2048;
  StartServer(o);
  H2Client c(server_->port());
  const int32_t big_body = c.Submit("POST", "/echo", std::string(4096, 'b'));
  const int32_t big_head = c.Submit("GET", "/topics/t", "", {{"x-big", std::string(4096, 'h')}});
  ASSERT_TRUE(c.RunUntil([&] { return c.stream(big_body).closed && c.stream(big_head).closed; }));
  EXPECT_EQ(c.stream(big_body).status, 413);
  EXPECT_EQ(c.stream(big_head).status, 0) << "no answer: the stream is reset";
  EXPECT_NE(c.stream(big_head).error_code, 0u);
  const int32_t ok = c.Submit("GET", "/topics/t");
  ASSERT_TRUE(c.Await(ok));
  EXPECT_EQ(c.stream(ok).status, 200) << "the connection survives a stream's reset";
}

TEST_F(Http2Test, AMalformedFrameGetsGoawayAndTheConnectionCloses) {
  StartServer();
  testing::TestClient raw(server_->port());
  ASSERT_TRUE(raw.Send(std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")));
  // A SETTINGS frame whose length is not a multiple of 6 (RFC 9113 §6.5: FRAME_SIZE_ERROR).
  const char bad[] = {0, 0, 5, 0x4, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5};
  ASSERT_TRUE(raw.Send(std::string_view(bad, sizeof bad)));
  ASSERT_TRUE(raw.WaitClosed());
  const std::string& got = raw.buffered();
  // The server's frames: its SETTINGS, then a GOAWAY (type 7) before the close.
  bool goaway = false;
  for (size_t p = 0; p + 9 <= got.size();) {
    const size_t len = (static_cast<uint8_t>(got[p]) << 16) | (static_cast<uint8_t>(got[p + 1]) << 8) |
                       static_cast<uint8_t>(got[p + 2]);
    if (got[p + 3] == 7 && p + 9 + 8 <= got.size()) {
      goaway = true;
      const uint32_t code = (static_cast<uint32_t>(static_cast<uint8_t>(got[p + 13])) << 24) |
                            (static_cast<uint8_t>(got[p + 14]) << 16) | (static_cast<uint8_t>(got[p + 15]) << 8) |
                            static_cast<uint8_t>(got[p + 16]);
      EXPECT_EQ(code, static_cast<uint32_t>(NGHTTP2_FRAME_SIZE_ERROR));
    }
    p += 9 + len;
  }
  EXPECT_TRUE(goaway);
}

TEST_F(Http2Test, AnIdleConnectionGetsGoawayThenCloses) {
  ServerOptions o;
  o.idle_timeout_ms = 200;
  StartServer(o);
  H2Client c(server_->port());
  const int32_t id = c.Submit("GET", "/topics/t");
  ASSERT_TRUE(c.Await(id));
  ASSERT_TRUE(c.RunUntil([&] { return c.goaway() && c.eof(); }, 5000)) << c.goaway();
  EXPECT_EQ(c.goaway_error(), static_cast<uint32_t>(NGHTTP2_NO_ERROR));
}

TEST_F(Http2Test, AnOpenStreamedBodyKeepsTheConnectionPastTheIdleTimeout) {
  ServerOptions o;
  o.idle_timeout_ms = 200;
  StartServer(o);
  H2Client c(server_->port());
  const int32_t id = c.Submit("GET", "/stream");
  ASSERT_TRUE(c.RunUntil([&] { return c.stream(id).body == "head;"; }));
  c.RunUntil([] { return false; }, 600);  // three idle timeouts
  EXPECT_FALSE(c.goaway());
  ASSERT_TRUE(Body()->Write("still here"));
  ASSERT_TRUE(c.RunUntil([&] { return c.stream(id).body == "head;still here"; }));
}

TEST_F(Http2Test, Http1AndHttp2ShareThePort) {
  StartServer();
  H2Client h2(server_->port());
  testing::TestClient h1(server_->port());
  ASSERT_TRUE(h1.Send("GET /topics/one HTTP/1.1\r\nHost: t\r\n\r\n"));
  const int32_t id = h2.Submit("GET", "/topics/two");
  ASSERT_TRUE(h2.Await(id));
  auto r = h1.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, "{\"topic\":\"one\"}");
  EXPECT_EQ(h2.stream(id).body, "{\"topic\":\"two\"}");
}

}  // namespace
}  // namespace pinpipe::http
