// A tiny blocking HTTP/1.1 client over loopback for server tests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pinpipe::http::testing {

struct ClientResponse {
  int status = 0;
  std::string head;  // status line + headers
  std::string body;
  std::string Header(std::string_view name) const {
    std::string lower_head;
    for (char c : head) lower_head += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string key = "\r\n";
    for (char c : name) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    key += ": ";
    size_t p = lower_head.find(key);
    if (p == std::string::npos) return "";
    size_t b = p + key.size();
    size_t e = head.find("\r\n", b);
    return head.substr(b, e - b);
  }
};

// A blocking TCP connection to 127.0.0.1:port with TCP_NODELAY; `connected` says if it worked.
inline int ConnectLoopback(uint16_t port, bool* connected) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  *connected = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

class TestClient {
 public:
  explicit TestClient(uint16_t port) { fd_ = ConnectLoopback(port, &connected_); }
  ~TestClient() { Close(); }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return connected_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

  bool Send(std::string_view s) {
    while (!s.empty()) {
      ssize_t n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      s.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response (Content-Length framed or no body); nullopt on timeout or EOF.
  std::optional<ClientResponse> Read(int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      size_t end = buf_.find("\r\n\r\n");
      if (end != std::string::npos) {
        ClientResponse r;
        r.head = buf_.substr(0, end);
        r.status = std::atoi(r.head.c_str() + 9);
        std::string cl = r.Header("content-length");
        size_t len = cl.empty() ? 0 : std::stoul(cl);
        if (buf_.size() >= end + 4 + len) {
          r.body = buf_.substr(end + 4, len);
          buf_.erase(0, end + 4 + len);
          return r;
        }
      }
      if (!Fill(deadline)) return std::nullopt;
    }
  }

  // True if the server closes the connection (EOF or reset) before the timeout.
  bool WaitClosed(int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Fill(deadline)) {
    }
    return eof_;
  }
  const std::string& buffered() const { return buf_; }

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                      std::chrono::steady_clock::now());
    if (left.count() <= 0 || eof_) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string buf_;
};

}  // namespace pinpipe::http::testing
