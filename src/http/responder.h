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
  // True until Send has been called (or the Responder was moved from).
  bool pending() const { return conn_ != nullptr; }

 private:
  friend class Connection;
  explicit Responder(std::shared_ptr<Connection> conn) : conn_(std::move(conn)) {}
  std::shared_ptr<Connection> conn_;
};

}  // namespace pinpipe::http
