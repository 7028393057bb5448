// A blocking HTTP/2 client for server tests: libnghttp2's client session over one loopback
// socket (prior knowledge, as the AWS SDK for Java speaks to an http:// endpoint). Single
// thread; RunUntil pumps frames both ways until a condition holds or a timeout passes.
#pragma once

#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "test_client.h"

namespace pinpipe::http::testing {

class H2Client {
 public:
  struct Stream {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names, pseudo-headers included
    std::string body;
    size_t data_frames = 0;
    bool ended = false;   // END_STREAM received
    bool closed = false;  // the stream is closed (ended, reset by either side)
    uint32_t error_code = 0;
  };

  // `window`: the client's initial stream window; `auto_window`: false to consume by hand
  // (Consume), so the test controls the server's flow control.
  explicit H2Client(uint16_t port, uint32_t window = 65535, bool auto_window = true) {
    fd_ = ConnectLoopback(port, &connected_);

    nghttp2_session_callbacks* cbs = nullptr;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_on_header_callback(cbs, OnHeader);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, OnData);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, OnFrame);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, OnClose);
    nghttp2_option* opt = nullptr;
    nghttp2_option_new(&opt);
    nghttp2_option_set_no_auto_window_update(opt, auto_window ? 0 : 1);
    nghttp2_session_client_new2(&session_, cbs, this, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cbs);
    const nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, window}};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, iv, 1);
  }
  ~H2Client() {
    nghttp2_session_del(session_);
    Close();
  }
  H2Client(const H2Client&) = delete;
  H2Client& operator=(const H2Client&) = delete;

  bool connected() const { return connected_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Queues a request; the frames go out on the next RunUntil. Returns the stream id.
  int32_t Submit(std::string_view method, std::string_view path, std::string body = "",
                 std::vector<std::pair<std::string, std::string>> extra = {}) {
    std::vector<std::pair<std::string, std::string>> fields = {
        {":method", std::string(method)}, {":scheme", "http"}, {":authority", "127.0.0.1"}, {":path", std::string(path)}};
    for (auto& f : extra) fields.push_back(std::move(f));
    std::vector<nghttp2_nv> nva;
    for (const auto& [n, v] : fields) {
      nva.push_back(nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(n.data())),
                               reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), n.size(), v.size(),
                               NGHTTP2_NV_FLAG_NONE});
    }
    auto* src = new Body{std::move(body), 0};
    nghttp2_data_provider prd;
    prd.source.ptr = src;
    prd.read_callback = ReadBody;
    const bool has_body = method == "POST" || method == "PUT";
    const int32_t id =
        nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(), has_body ? &prd : nullptr, src);
    bodies_.emplace_back(src);
    if (id > 0) streams_[id];
    return id;
  }

  void Reset(int32_t id) { nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL); }
  // Hands `bytes` of stream `id`'s received data back to the server as window (auto_window off).
  void Consume(int32_t id, size_t bytes) { nghttp2_session_consume(session_, id, bytes); }
  // Raw bytes on the socket, bypassing the session (malformed input).
  bool SendRaw(std::string_view s) {
    while (!s.empty()) {
      const ssize_t n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      s.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Sends what the session has queued and reads frames until `done()` or the timeout; false on
  // timeout. A closed socket ends it too (then `eof()`).
  bool RunUntil(const std::function<bool()>& done, int timeout_ms = 5000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      Flush();
      if (done()) return true;
      if (eof_) return false;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 50))) <= 0) continue;
      char tmp[65536];
      const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) {
        eof_ = true;
        continue;
      }
      if (nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(tmp), static_cast<size_t>(n)) < 0) {
        eof_ = true;
      }
    }
  }
  // Waits for one stream to close (ended or reset).
  bool Await(int32_t id, int timeout_ms = 5000) {
    return RunUntil([&] { return streams_[id].closed; }, timeout_ms);
  }

  Stream& stream(int32_t id) { return streams_[id]; }
  bool goaway() const { return goaway_; }
  uint32_t goaway_error() const { return goaway_error_; }
  bool eof() const { return eof_; }

 private:
  struct Body {
    std::string bytes;
    size_t off;
  };

  void Flush() {
    for (;;) {
      const uint8_t* data = nullptr;
      const ssize_t n = nghttp2_session_mem_send(session_, &data);
      if (n <= 0) return;
      SendRaw(std::string_view(reinterpret_cast<const char*>(data), static_cast<size_t>(n)));
    }
  }

  static ssize_t ReadBody(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                          nghttp2_data_source* source, void*) {
    auto* b = static_cast<Body*>(source->ptr);
    const size_t n = std::min(length, b->bytes.size() - b->off);
    std::copy_n(b->bytes.data() + b->off, n, buf);
    b->off += n;
    if (b->off == b->bytes.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }
  static int OnHeader(nghttp2_session*, const nghttp2_frame* f, const uint8_t* name, size_t namelen,
                      const uint8_t* value, size_t valuelen, uint8_t, void* self) {
    auto* c = static_cast<H2Client*>(self);
    std::string n(reinterpret_cast<const char*>(name), namelen);
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    Stream& s = c->streams_[f->hd.stream_id];
    if (n == ":status") s.status = std::stoi(v);
    s.headers[n] = v;
    return 0;
  }
  static int OnData(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data, size_t len, void* self) {
    static_cast<H2Client*>(self)->streams_[id].body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }
  static int OnFrame(nghttp2_session*, const nghttp2_frame* f, void* self) {
    auto* c = static_cast<H2Client*>(self);
    if (f->hd.type == NGHTTP2_GOAWAY) {
      c->goaway_ = true;
      c->goaway_error_ = f->goaway.error_code;
    }
    if (f->hd.type == NGHTTP2_DATA) ++c->streams_[f->hd.stream_id].data_frames;
    if ((f->hd.type == NGHTTP2_DATA || f->hd.type == NGHTTP2_HEADERS) && (f->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
      c->streams_[f->hd.stream_id].ended = true;
    }
    return 0;
  }
  static int OnClose(nghttp2_session*, int32_t id, uint32_t error_code, void* self) {
    Stream& s = static_cast<H2Client*>(self)->streams_[id];
    s.closed = true;
    s.error_code = error_code;
    return 0;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  bool goaway_ = false;
  uint32_t goaway_error_ = 0;
  nghttp2_session* session_ = nullptr;
  std::map<int32_t, Stream> streams_;
  std::vector<std::unique_ptr<Body>> bodies_;
};

}  // namespace pinpipe::http::testing
