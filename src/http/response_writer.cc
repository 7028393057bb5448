#include "http/response_writer.h"

#include <time.h>

#include <charconv>
#include <cstring>
#include <string>

#include "http/request.h"

namespace pinpipe::http {
namespace {

// "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n" (RFC 9110 §5.6.7), cached per thread per second.
std::string_view DateLine() {
  thread_local char buf[64];
  thread_local time_t cached = 0;
  thread_local size_t len = 0;
  timespec ts;
  ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  if (ts.tv_sec != cached) {
    cached = ts.tv_sec;
    tm t;
    ::gmtime_r(&cached, &t);
    len = ::strftime(buf, sizeof buf, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &t);
  }
  return {buf, len};
}

// No CR, LF or NUL (header injection). One pass: this runs on every response's content type.
bool Safe(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool Reserved(std::string_view name) {
  return EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "connection") ||
         EqualsIgnoreCase(name, "date") || EqualsIgnoreCase(name, "transfer-encoding") ||
         EqualsIgnoreCase(name, "content-type");
}

void AppendNumber(net::ByteBuffer* out, uint64_t v) {
  char num[24];
  auto res = std::to_chars(num, num + sizeof num, v);
  out->Append(std::string_view(num, static_cast<size_t>(res.ptr - num)));
}

}  // namespace

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Status";
  }
}

size_t AppendResponse(const Response& r, const WriteOptions& opts, net::ByteBuffer* out) {
  const size_t before = out->size();
  const int status = r.status >= 100 && r.status <= 999 ? r.status : 500;
  out->Append("HTTP/1.1 ");
  AppendNumber(out, static_cast<uint64_t>(status));
  out->Append(' ');
  out->Append(ReasonPhrase(status));
  out->Append("\r\n");
  out->Append(DateLine());
  if (!r.content_type.empty() && Safe(r.content_type)) {
    out->Append("Content-Type: ");
    out->Append(r.content_type);
    out->Append("\r\n");
  }
  // No Content-Length on 1xx and 204 (RFC 9110 §8.6); 304 keeps the body empty.
  const bool bodyless = status < 200 || status == 204 || status == 304;
  if (opts.chunked && !bodyless) {
    out->Append("Transfer-Encoding: chunked\r\n");
  } else if (!bodyless && !r.stream) {
    out->Append("Content-Length: ");
    AppendNumber(out, r.body.size());
    out->Append("\r\n");
  }
  if (!opts.keep_alive) {
    out->Append("Connection: close\r\n");
  } else if (opts.http10) {
    out->Append("Connection: keep-alive\r\n");
  }
  for (const auto& [name, value] : r.headers) {
    if (name.empty() || !Safe(name) || !Safe(value) || Reserved(name)) continue;
    out->Append(name);
    out->Append(": ");
    out->Append(value);
    out->Append("\r\n");
  }
  out->Append("\r\n");
  if (!bodyless && !opts.head) {
    if (!opts.chunked) {
      out->Append(r.body);
    } else if (!r.body.empty()) {
      AppendChunk(r.body, out);
    }
  }
  return out->size() - before;
}

void AppendChunk(std::string_view data, net::ByteBuffer* out) {
  char num[20];
  auto res = std::to_chars(num, num + sizeof num, data.size(), 16);
  out->Append(std::string_view(num, static_cast<size_t>(res.ptr - num)));
  out->Append("\r\n");
  out->Append(data);
  out->Append("\r\n");
}

Response ErrorResponse(int status, std::string_view detail) {
  // The shape of the REST Proxy's generic errors (rest-utils WebApplicationExceptionMapper):
  // {"error_code":404,"message":"HTTP 404 Not Found"}, so clients parse one error format.
  std::string message = "HTTP " + std::to_string(status) + " " + std::string(ReasonPhrase(status));
  if (!detail.empty()) {
    message += ": ";
    message += detail;
  }
  std::string body = "{\"error_code\":" + std::to_string(status) + ",\"message\":\"";
  for (char c : message) {
    if (c == '"' || c == '\\') body += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) body += c;
  }
  body += "\"}";
  return Response::Json(status, std::move(body));
}

}  // namespace pinpipe::http
