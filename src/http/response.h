// Response: what a handler sends. The server adds the status line, Date, Content-Length
// and Connection; handlers must not set those (they are ignored if they do).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pinpipe::http {

struct Response {
  int status = 200;
  std::string content_type;  // omitted when empty
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra fields
  bool close = false;  // ask the server to close the connection after this response
  // The head of an open-ended body (Responder::SendStream): `body` holds its first bytes, the
  // rest comes through the returned BodyStream. HTTP/2: DATA frames; HTTP/1.1: chunked.
  bool stream = false;

  static Response Text(int status, std::string body) {
    Response r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::move(body);
    return r;
  }
  static Response Json(int status, std::string body) {
    Response r;
    r.status = status;
    r.content_type = "application/json";
    r.body = std::move(body);
    return r;
  }
  static Response NoContent() {
    Response r;
    r.status = 204;
    return r;
  }
};

}  // namespace pinpipe::http
