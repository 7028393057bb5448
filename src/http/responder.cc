#include "http/responder.h"

#include "http/connection.h"
#include "http/response_writer.h"

namespace pinpipe::http {

Responder::Responder(Responder&& other) noexcept : conn_(std::move(other.conn_)) {}

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (conn_) Send(ErrorResponse(500, "handler dropped its responder"));
    conn_ = std::move(other.conn_);
  }
  return *this;
}

Responder::~Responder() {
  if (conn_) Send(ErrorResponse(500, "handler dropped its responder"));
}

void Responder::Send(Response&& response) {
  if (!conn_) return;
  Connection::Deliver(std::move(conn_), std::move(response));
  conn_.reset();
}

void Responder::Send(int status, std::string content_type, std::string body) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  Send(std::move(r));
}

}  // namespace pinpipe::http
