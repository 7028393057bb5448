// Request: one parsed HTTP/1.1 request. Every string_view points into the connection's
// buffers and stays valid until the request's Responder sends (or is destroyed).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/percent_encode.h"

namespace pinpipe::http {

struct HeaderField {
  std::string_view name;   // as received (case preserved)
  std::string_view value;  // leading/trailing whitespace trimmed
};

struct NameValue {
  std::string_view name;
  std::string_view value;
};

struct Request {
  std::string_view method;  // "GET", "POST", ... (case-sensitive, RFC 9110 §9.1)
  std::string_view target;  // request-target as received: "/a/b?x=1"
  std::string_view path;    // "/a/b" (not percent-decoded)
  std::string_view query;   // "x=1" (without '?'), "" if none
  int version_minor = 1;    // HTTP/1.<minor>
  bool keep_alive = true;   // connection persists after the response
  std::vector<HeaderField> headers;
  std::string_view body;    // de-chunked
  std::vector<NameValue> path_params;  // filled by the Router, percent-decoded
  std::string path_param_text;         // the decoded parameters' bytes (Router::Find)

  // Case-insensitive lookup of the first field named `name`; "" if absent.
  std::string_view Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
  // Number of fields named `name` (a credential must appear exactly once).
  size_t HeaderCount(std::string_view name) const;
  // Value of "{name}" in the matched route pattern, percent-decoded once by the Router
  // ("my%20group" -> "my group"); "" if absent.
  std::string_view PathParam(std::string_view name) const;
  // Raw (still percent-encoded) value of the first query parameter `name`; "" for "?name"
  // or "?name=", nullopt if absent. Use PercentDecode for the decoded text.
  std::optional<std::string_view> QueryParam(std::string_view name) const;

  void Clear();
};

// Decodes %XX escapes (and '+' as space when plus_is_space, for form/query values).
// nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view in, bool plus_is_space = false);

// One path segment, percent-encoded (RFC 3986 §2.1): every byte but the unreserved
// [A-Za-z0-9-._~] becomes %XX (uppercase hex), so the Router's decoding gives `in` back.
inline std::string PercentEncodeSegment(std::string_view in) { return PercentEncode(in); }

// ASCII case-insensitive equality.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace pinpipe::http
