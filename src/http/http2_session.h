// Http2Session (internal): the HTTP/2 side of one Connection (RFC 9113, through Debian's
// libnghttp2), started when the connection's first bytes are the client preface (prior
// knowledge over cleartext: what the AWS SDK for Java's Netty client does for an http://
// endpoint). Each request stream is dispatched to the server's Router like an HTTP/1.1
// request, with the same Request/Responder contract: the views stay valid until the
// Responder sends, even if the client resets the stream meanwhile. A streamed response
// (Responder::SendStream) is sent as DATA frames as its BodyStream is written, within the
// client's flow-control window; the stream's close (END_STREAM sent, RST_STREAM, the
// connection's end) closes the BodyStream.
//
// Reactor thread only. nghttp2 reads from and writes to memory (mem_recv / mem_send); the
// Connection owns the socket, the buffers and the timers.
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/status.h"
#include "http/request.h"
#include "http/response.h"
#include "net/byte_buffer.h"

namespace pinpipe::http {

class Connection;
class BodyStream;
struct Completion;

class Http2Session {
 public:
  // RFC 9113 §3.4: every HTTP/2 connection starts with these 24 bytes from the client.
  static constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  static constexpr uint32_t kMaxConcurrentStreams = 128;

  explicit Http2Session(Connection* conn);
  ~Http2Session();
  Http2Session(const Http2Session&) = delete;
  Http2Session& operator=(const Http2Session&) = delete;

  // Queues the server's SETTINGS.
  Status Start();
  // Feeds bytes read from the socket (preface included). False on a connection error: a
  // GOAWAY is queued, the connection closes once it is written.
  bool Receive(std::string_view bytes);
  // Dispatches the requests completed by Receive (outside nghttp2's callbacks).
  void DispatchReady();
  // A response, body bytes or a body's end for one of the streams.
  void OnDelivery(Completion&& c);
  // Appends the frames ready to send, until `out` holds `limit` bytes.
  void Produce(net::ByteBuffer* out, size_t limit);
  // Tells streamed bodies how much is waiting to be sent (their BodyStream::buffered).
  void ReportUnsent(size_t socket_backlog);
  // Neither side wants more (GOAWAY exchanged, or a fatal error): close the connection.
  bool finished() const;
  size_t open_streams() const { return streams_.size(); }
  // Idle: a GOAWAY (NO_ERROR) tells the client not to start new streams on this connection.
  void Goaway() { nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR); }
  // The connection closes: every streamed body learns it.
  void CloseAll();

 private:
  struct Stream {
    int32_t id = 0;
    std::vector<std::pair<std::string, std::string>> fields;  // pseudo-headers included
    size_t field_bytes = 0;
    std::string body;
    bool too_large = false;
    bool ready = false;       // END_STREAM received
    bool dispatched = false;  // a handler holds a Responder for it
    bool responded = false;
    bool peer_closed = false;  // nghttp2 closed the stream (it is only kept for the handler)
    Request req;
    int route_id = 0;
    uint64_t dispatch_ns = 0;
    // The response body waiting for the client's window.
    std::deque<std::string> chunks;
    size_t chunk_off = 0;
    size_t pending = 0;
    bool eof = false;
    bool deferred = false;  // the data provider returned DEFERRED; resume on more bytes
    std::shared_ptr<BodyStream> body_stream;
  };

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* self);
  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                      const uint8_t* value, size_t valuelen, uint8_t flags, void* self);
  static int OnDataChunk(nghttp2_session*, uint8_t flags, int32_t stream_id, const uint8_t* data, size_t len,
                         void* self);
  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* self);
  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t error_code, void* self);
  static ssize_t ReadBody(nghttp2_session*, int32_t stream_id, uint8_t* buf, size_t length, uint32_t* flags,
                          nghttp2_data_source* source, void* self);

  Stream* Find(int32_t id);
  void Dispatch(Stream& s);
  void Respond(Stream& s, Response&& r, std::shared_ptr<BodyStream> body);
  void Erase(int32_t id);

  Connection* conn_;
  nghttp2_session* session_ = nullptr;
  std::unordered_map<int32_t, std::unique_ptr<Stream>> streams_;
  std::vector<int32_t> ready_;
};

}  // namespace pinpipe::http
