// Serializes a Response into the connection's output buffer: status line, Date,
// Content-Type, Content-Length, Connection, extra headers, body (RFC 9112 §4, §6).
#pragma once

#include <string_view>

#include "http/response.h"
#include "net/byte_buffer.h"

namespace pinpipe::http {

std::string_view ReasonPhrase(int status);

struct WriteOptions {
  bool keep_alive = true;  // false: "Connection: close"
  bool http10 = false;     // 1.0 client kept alive: "Connection: keep-alive"
  bool head = false;       // HEAD: headers only
  bool chunked = false;    // a streamed body: Transfer-Encoding: chunked, body as its first chunk
};

// Appends the serialized response; returns the number of bytes appended.
size_t AppendResponse(const Response& r, const WriteOptions& opts, net::ByteBuffer* out);

// One chunk of a chunked body (RFC 9112 §7.1); an empty `data` is the last chunk.
void AppendChunk(std::string_view data, net::ByteBuffer* out);

// A minimal error response (text/plain body "<code> <reason>\n").
Response ErrorResponse(int status, std::string_view detail = {});

}  // namespace pinpipe::http
