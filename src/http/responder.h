// Responder: the one-shot handle a handler uses to answer its request, from any thread,
// now or later (e.g. from a flusher thread after fsync). Move-only.
//  - Send() may be called once; later calls are ignored.
//  - Destroyed without Send(): the client gets a 500.
//  - If the connection closed or the server stopped meanwhile, the response is dropped.
// The Request's views stay valid until Send() (or destruction); do not touch them after.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "http/body_stream.h"
#include "http/response.h"

namespace pinpipe::http {

class Connection;

class Responder {
 public:
  Responder() = default;  // detached: Send does nothing
  Responder(Responder&& other) noexcept;
  Responder& operator=(Responder&& other) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  void Send(Response&& response);
  void Send(int status, std::string content_type, std::string body);
  // Sends `head` (status, headers, first body bytes) and keeps the response open: the rest of
  // the body is written through the returned BodyStream (see body_stream.h), from any thread.
  // The request's views are released as by Send. On a detached Responder the stream is closed.
  std::shared_ptr<BodyStream> SendStream(Response&& head);
  // True until Send has been called (or the Responder was moved from).
  bool pending() const { return conn_ != nullptr; }

 private:
  friend class Connection;
  friend class Http2Session;
  Responder(std::shared_ptr<Connection> conn, int32_t stream_id)
      : conn_(std::move(conn)), stream_id_(stream_id) {}
  std::shared_ptr<Connection> conn_;
  int32_t stream_id_ = 0;  // HTTP/2 stream; 0 on HTTP/1.1
};

}  // namespace pinpipe::http
