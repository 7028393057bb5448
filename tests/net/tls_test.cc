// TlsStream on a non-blocking socket pair, driven by one thread as a reactor would: the
// handshake inside the first reads, 4 MiB through 4 KiB socket buffers (every write partial or
// EAGAIN, the data intact and in order), a peer that speaks no TLS, and the context's errors.
#include "net/tls.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace pinpipe::net {
namespace {

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(std::filesystem::temp_directory_path() / ("tls-test-" + std::to_string(getpid())));
    std::filesystem::create_directories(*dir_);
    const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
                            "-keyout " + *dir_ + "/key.pem -out " + *dir_ + "/cert.pem >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override {
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds_), 0);
    int small = 4096;
    for (int fd : fds_) {
      setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    }
  }
  void TearDown() override {
    if (client_) SSL_free(client_);
    if (client_ctx_) SSL_CTX_free(client_ctx_);
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  void StartClient() {
    client_ctx_ = SSL_CTX_new(TLS_client_method());
    client_ = SSL_new(client_ctx_);
    SSL_set_fd(client_, fds_[1]);
    SSL_set_connect_state(client_);
  }
  static std::string* dir_;
  int fds_[2] = {-1, -1};
  SSL_CTX* client_ctx_ = nullptr;
  SSL* client_ = nullptr;
};
std::string* TlsTest::dir_ = nullptr;

TEST_F(TlsTest, HandshakeInsideReadsThenMegabytesThroughTinySocketBuffers) {
  auto ctx = TlsContext::Server(*dir_ + "/cert.pem", *dir_ + "/key.pem");
  ASSERT_TRUE(ctx.has_value()) << ctx.error().message();
  auto server = TlsStream::Accept(*ctx, fds_[0]);
  ASSERT_NE(server, nullptr);
  StartClient();
  // The client sends a request; the server reads it, the handshake happening on the way.
  const std::string request = "hello over tls";
  std::string got;
  char buf[65536];
  size_t sent = 0;
  for (int i = 0; i < 10000 && got.size() < request.size(); ++i) {
    if (sent < request.size()) {
      int n = SSL_write(client_, request.data() + sent, static_cast<int>(request.size() - sent));
      if (n > 0) sent += static_cast<size_t>(n);
    }
    ssize_t r = server->Read(buf, sizeof buf);
    if (r > 0) got.append(buf, static_cast<size_t>(r));
    else ASSERT_TRUE(r < 0 && errno == EAGAIN) << r << " " << server->error();
  }
  ASSERT_EQ(got, request);
  // 4 MiB answer: Write takes what the socket takes (partial writes, EAGAIN), the client reads.
  std::string answer(4 << 20, '\0');
  for (size_t i = 0; i < answer.size(); ++i) answer[i] = static_cast<char>(i * 131 + (i >> 12));
  size_t off = 0;
  std::string received;
  int eagain = 0;
  for (int i = 0; i < 1000000 && received.size() < answer.size(); ++i) {
    if (off < answer.size()) {
      ssize_t w = server->Write(answer.data() + off, answer.size() - off);
      if (w > 0) {
        off += static_cast<size_t>(w);
      } else {
        ASSERT_TRUE(w < 0 && errno == EAGAIN) << server->error();
        EXPECT_FALSE(server->write_wants_read());  // no renegotiation: a write waits for writability
        ++eagain;
      }
    }
    int n = SSL_read(client_, buf, sizeof buf);
    if (n > 0) received.append(buf, static_cast<size_t>(n));
  }
  EXPECT_GT(eagain, 0);
  ASSERT_EQ(received.size(), answer.size());
  EXPECT_TRUE(received == answer);
  // The client's orderly close reads as EOF.
  SSL_shutdown(client_);
  ssize_t r = -1;
  for (int i = 0; i < 1000 && r != 0; ++i) r = server->Read(buf, sizeof buf);
  EXPECT_EQ(r, 0);
}

TEST_F(TlsTest, APeerThatSpeaksNoTlsIsAProtocolError) {
  auto ctx = TlsContext::Server(*dir_ + "/cert.pem", *dir_ + "/key.pem");
  ASSERT_TRUE(ctx.has_value());
  auto server = TlsStream::Accept(*ctx, fds_[0]);
  const char kafka_frame[] = "\0\0\0\x0a\0\x12\0\0\0\0\0\x01\0\0";
  ASSERT_EQ(::write(fds_[1], kafka_frame, sizeof kafka_frame - 1), static_cast<ssize_t>(sizeof kafka_frame - 1));
  char buf[256];
  ssize_t r = server->Read(buf, sizeof buf);
  EXPECT_EQ(r, -1);
  EXPECT_EQ(errno, EPROTO);
  EXPECT_FALSE(server->error().empty());
}

TEST_F(TlsTest, ContextErrorsNameTheFile) {
  auto missing = TlsContext::Server(*dir_ + "/nope.pem", *dir_ + "/key.pem");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message().find("nope.pem"), std::string::npos);
  // The certificate as its own key: not a key.
  auto wrong = TlsContext::Server(*dir_ + "/cert.pem", *dir_ + "/cert.pem");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_NE(wrong.error().message().find("cert.pem"), std::string::npos);
}

}  // namespace
}  // namespace pinpipe::net
