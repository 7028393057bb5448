#include "http/request_parser.h"

#include <cstring>

#include "http/char_class.h"

namespace pinpipe::http {
namespace {

constexpr size_t kMaxChunkLine = 4096;

bool IsWs(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsWs(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsWs(s.back())) s.remove_suffix(1);
  return s;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

// Calls fn(token) for each element of a comma-separated list (RFC 9110 §5.6.1).
template <typename Fn>
void ForEachListItem(std::string_view v, Fn fn) {
  while (!v.empty()) {
    size_t comma = v.find(',');
    std::string_view item = Trim(v.substr(0, comma));
    if (!item.empty()) fn(item);
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
}

}  // namespace

RequestParser::RequestParser(ParserLimits limits) : limits_(limits) {}

void RequestParser::Reset() {
  phase_ = Phase::kRequestLine;
  pos_ = line_start_ = head_start_ = body_start_ = 0;
  content_length_ = chunk_remaining_ = 0;
  trailer_bytes_ = 0;
  chunked_ = started_ = headers_done_ = expect_continue_ = unknown_expectation_ = is_head_ = false;
  has_content_length_ = conn_close_ = conn_keep_alive_ = false;
  host_count_ = 0;
  method_ = target_ = {};
  header_spans_.clear();
  if (body_.capacity() > (1u << 20)) {
    std::string().swap(body_);
  } else {
    body_.clear();
  }
  req_.Clear();
  consumed_ = 0;
  error_status_ = 0;
  error_reason_ = "";
}

ParseState RequestParser::Fail(int status, const char* reason) {
  phase_ = Phase::kError;
  error_status_ = status;
  error_reason_ = reason;
  return ParseState::kError;
}

bool RequestParser::NextLine(std::string_view data, size_t, size_t* begin, size_t* end) {
  if (pos_ >= data.size()) return false;
  const void* nl = std::memchr(data.data() + pos_, '\n', data.size() - pos_);
  if (nl == nullptr) {
    pos_ = data.size();
    return false;
  }
  size_t i = static_cast<const char*>(nl) - data.data();
  // RFC 9112 §2.2 allows accepting a bare LF; we do not (request smuggling risk).
  if (i == line_start_ || data[i - 1] != '\r') {
    Fail(400, "bare LF line terminator");
    return false;
  }
  *begin = line_start_;
  *end = i - 1;
  pos_ = line_start_ = i + 1;
  return true;
}

ParseState RequestParser::Parse(std::string_view data) {
  for (;;) {
    switch (phase_) {
      case Phase::kDone:
        return ParseState::kComplete;
      case Phase::kError:
        return ParseState::kError;
      case Phase::kRequestLine:
      case Phase::kHeaders: {
        size_t b, e;
        if (!NextLine(data, 0, &b, &e)) {
          if (phase_ == Phase::kError) return ParseState::kError;
          if (data.size() > line_start_ && data[line_start_] != '\r') started_ = true;
          if (data.size() > limits_.max_header_bytes) {
            return Fail(431, "request header section too large");
          }
          return ParseState::kNeedMore;
        }
        if (pos_ > limits_.max_header_bytes) return Fail(431, "request header section too large");
        if (phase_ == Phase::kRequestLine) {
          if (b == e) {  // empty line before the request line: skip (RFC 9112 §2.2)
            head_start_ = pos_;
            continue;
          }
          started_ = true;
          if (!ParseRequestLine(data, b, e)) return ParseState::kError;
          phase_ = Phase::kHeaders;
        } else if (b == e) {
          if (!FinishHeaders(data)) return ParseState::kError;
          if (chunked_) {
            phase_ = Phase::kChunkSize;
          } else if (content_length_ > 0) {
            phase_ = Phase::kBody;
          } else {
            return Complete(data, pos_);
          }
        } else if (!ParseHeaderLine(data, b, e, false)) {
          return ParseState::kError;
        }
        break;
      }
      case Phase::kBody:
        if (data.size() - body_start_ < content_length_) return ParseState::kNeedMore;
        return Complete(data, body_start_ + content_length_);
      case Phase::kChunkSize: {
        size_t b, e;
        if (!NextLine(data, 0, &b, &e)) {
          if (phase_ == Phase::kError) return ParseState::kError;
          if (data.size() - line_start_ > kMaxChunkLine) return Fail(400, "chunk size line too long");
          return ParseState::kNeedMore;
        }
        if (e - b > kMaxChunkLine) return Fail(400, "chunk size line too long");
        if (!ParseChunkSizeLine(data.substr(b, e - b))) return ParseState::kError;
        phase_ = chunk_remaining_ ? Phase::kChunkData : Phase::kTrailers;
        break;
      }
      case Phase::kChunkData: {
        size_t avail = data.size() - pos_;
        if (avail == 0) return ParseState::kNeedMore;
        size_t take = avail < chunk_remaining_ ? avail : static_cast<size_t>(chunk_remaining_);
        body_.append(data.data() + pos_, take);
        pos_ += take;
        chunk_remaining_ -= take;
        if (chunk_remaining_ > 0) return ParseState::kNeedMore;
        phase_ = Phase::kChunkDataEnd;
        break;
      }
      case Phase::kChunkDataEnd:
        if (data.size() - pos_ < 2) {
          if (data.size() > pos_ && data[pos_] != '\r') return Fail(400, "chunk data not followed by CRLF");
          return ParseState::kNeedMore;
        }
        if (data[pos_] != '\r' || data[pos_ + 1] != '\n') {
          return Fail(400, "chunk data not followed by CRLF");
        }
        pos_ += 2;
        line_start_ = pos_;
        phase_ = Phase::kChunkSize;
        break;
      case Phase::kTrailers: {
        size_t b, e;
        if (!NextLine(data, 0, &b, &e)) {
          if (phase_ == Phase::kError) return ParseState::kError;
          if (trailer_bytes_ + (data.size() - line_start_) > limits_.max_header_bytes) {
            return Fail(431, "trailer section too large");
          }
          return ParseState::kNeedMore;
        }
        if (b == e) return Complete(data, pos_);
        trailer_bytes_ += e - b + 2;
        if (trailer_bytes_ > limits_.max_header_bytes) return Fail(431, "trailer section too large");
        if (!ParseHeaderLine(data, b, e, true)) return ParseState::kError;
        break;
      }
    }
  }
}

bool RequestParser::ParseRequestLine(std::string_view data, size_t b, size_t e) {
  std::string_view line = data.substr(b, e - b);
  size_t i = 0;
  while (i < line.size() && IsTchar(line[i])) ++i;
  if (i == 0 || i >= line.size() || line[i] != ' ') {
    Fail(400, "malformed method");
    return false;
  }
  method_ = {static_cast<uint32_t>(b), static_cast<uint32_t>(i)};
  size_t t = ++i;
  while (i < line.size() && IsTargetChar(line[i]) && line[i] != '#') ++i;
  if (i < line.size() && line[i] == '#') {
    // No request-target form has a fragment (RFC 9112 §3.2; RFC 9110 §4.2.1 keeps it client-side).
    Fail(400, "fragment in request target");
    return false;
  }
  if (i == t || i >= line.size() || line[i] != ' ') {
    Fail(400, "malformed request target");
    return false;
  }
  target_ = {static_cast<uint32_t>(b + t), static_cast<uint32_t>(i - t)};
  std::string_view version = line.substr(i + 1);
  // HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3)
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    Fail(400, "malformed HTTP version");
    return false;
  }
  if (version[5] != '1') {
    Fail(505, "HTTP version not supported");
    return false;
  }
  req_.version_minor = version[7] - '0';
  std::string_view method = line.substr(0, method_.len);
  is_head_ = method == "HEAD";
  std::string_view target = line.substr(t, target_.len);
  if (target[0] != '/') {
    bool absolute = StartsWithIgnoreCase(target, "http://") || StartsWithIgnoreCase(target, "https://");
    bool asterisk = target == "*" && method == "OPTIONS";
    if (!absolute && !asterisk) {
      Fail(400, "unsupported request target form");
      return false;
    }
  }
  return true;
}

bool RequestParser::ParseHeaderLine(std::string_view data, size_t b, size_t e, bool trailer) {
  std::string_view line = data.substr(b, e - b);
  if (IsWs(line[0])) {
    Fail(400, "obsolete line folding");  // RFC 9112 §5.2
    return false;
  }
  size_t i = 0;
  while (i < line.size() && IsTchar(line[i])) ++i;
  if (i == 0 || i >= line.size() || line[i] != ':') {
    Fail(400, "malformed header field name");  // includes whitespace before ':' (§5.1)
    return false;
  }
  size_t v = i + 1;
  while (v < line.size() && IsWs(line[v])) ++v;
  size_t ve = line.size();
  while (ve > v && IsWs(line[ve - 1])) --ve;
  for (size_t k = v; k < ve; ++k) {
    if (!IsFieldChar(line[k])) {
      Fail(400, "invalid character in header field value");
      return false;
    }
  }
  if (trailer) return true;
  if (header_spans_.size() >= limits_.max_headers) {
    Fail(431, "too many header fields");
    return false;
  }
  header_spans_.push_back({{static_cast<uint32_t>(b), static_cast<uint32_t>(i)},
                           {static_cast<uint32_t>(b + v), static_cast<uint32_t>(ve - v)}});
  return true;
}

bool RequestParser::FinishHeaders(std::string_view data) {
  headers_done_ = true;
  body_start_ = pos_;
  bool has_te = false;
  for (const HeaderSpan& h : header_spans_) {
    std::string_view name = data.substr(h.name.off, h.name.len);
    std::string_view value = data.substr(h.value.off, h.value.len);
    if (EqualsIgnoreCase(name, "content-length")) {
      // Content-Length = 1*DIGIT (RFC 9110 §8.6); lists and signs are rejected.
      if (value.empty() || value.size() > 18) {
        Fail(400, "invalid Content-Length");
        return false;
      }
      uint64_t n = 0;
      for (char c : value) {
        if (c < '0' || c > '9') {
          Fail(400, "invalid Content-Length");
          return false;
        }
        n = n * 10 + static_cast<uint64_t>(c - '0');
      }
      if (has_content_length_ && n != content_length_) {
        Fail(400, "conflicting Content-Length");
        return false;
      }
      has_content_length_ = true;
      content_length_ = n;
    } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
      bool bad = false, unsupported = false;
      size_t items = 0;
      ForEachListItem(value, [&](std::string_view item) {
        ++items;
        if (!EqualsIgnoreCase(item, "chunked")) unsupported = true;
        else if (chunked_) bad = true;  // "chunked" twice
        else chunked_ = true;
      });
      if (items == 0) bad = true;
      if (bad) {
        Fail(400, "invalid Transfer-Encoding");
        return false;
      }
      if (unsupported) {
        Fail(501, "unsupported transfer coding");  // RFC 9112 §6.1
        return false;
      }
      has_te = true;
    } else if (EqualsIgnoreCase(name, "host")) {
      ++host_count_;
    } else if (EqualsIgnoreCase(name, "connection")) {
      ForEachListItem(value, [&](std::string_view item) {
        if (EqualsIgnoreCase(item, "close")) conn_close_ = true;
        if (EqualsIgnoreCase(item, "keep-alive")) conn_keep_alive_ = true;
      });
    } else if (EqualsIgnoreCase(name, "expect")) {
      // RFC 9110 §10.1.1: 100-continue is the only expectation; a server MAY answer 417 to
      // others, and Jetty (the REST Proxy's server) does on HTTP/1.1, as we do.
      ForEachListItem(value, [&](std::string_view item) {
        if (EqualsIgnoreCase(item, "100-continue")) expect_continue_ = true;
        else unknown_expectation_ = true;
      });
    }
  }
  if (has_te && req_.version_minor == 0) {
    Fail(400, "Transfer-Encoding in HTTP/1.0");  // RFC 9112 §6.1
    return false;
  }
  if (has_te && has_content_length_) {
    Fail(400, "both Content-Length and Transfer-Encoding");  // RFC 9112 §6.3
    return false;
  }
  if (unknown_expectation_ && req_.version_minor >= 1) {
    Fail(417, "unsupported expectation");  // HTTP/1.0 expectations are ignored (§10.1.1)
    return false;
  }
  if (host_count_ > 1 || (host_count_ == 0 && req_.version_minor >= 1)) {
    Fail(400, "missing or duplicate Host");  // RFC 9112 §3.2
    return false;
  }
  if (content_length_ > limits_.max_body_bytes) {
    Fail(413, "request body too large");
    return false;
  }
  if (req_.version_minor == 0 || !(chunked_ || content_length_ > 0)) expect_continue_ = false;
  return true;
}

bool RequestParser::ParseChunkSizeLine(std::string_view line) {
  // chunk = chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1)
  size_t i = 0;
  uint64_t size = 0;
  while (i < line.size()) {
    char c = line[i];
    int d = c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) break;
    if (size > (uint64_t{1} << 40)) {
      Fail(413, "request body too large");
      return false;
    }
    size = size * 16 + static_cast<uint64_t>(d);
    ++i;
  }
  if (i == 0) {
    Fail(400, "malformed chunk size");
    return false;
  }
  // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), ext-val = token / quoted
  while (i < line.size()) {
    while (i < line.size() && IsWs(line[i])) ++i;
    if (i >= line.size() || line[i] != ';') {
      Fail(400, "malformed chunk extension");
      return false;
    }
    ++i;
    while (i < line.size() && IsWs(line[i])) ++i;
    size_t n = i;
    while (i < line.size() && IsTchar(line[i])) ++i;
    if (i == n) {
      Fail(400, "malformed chunk extension");
      return false;
    }
    size_t save = i;
    while (i < line.size() && IsWs(line[i])) ++i;
    if (i < line.size() && line[i] == '=') {
      ++i;
      while (i < line.size() && IsWs(line[i])) ++i;
      if (i < line.size() && line[i] == '"') {
        ++i;
        bool closed = false;
        while (i < line.size()) {
          char c = line[i++];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\') {
            if (i >= line.size() || !IsFieldChar(line[i])) break;
            ++i;
          } else if (!IsFieldChar(c)) {
            break;
          }
        }
        if (!closed) {
          Fail(400, "malformed chunk extension");
          return false;
        }
      } else {
        size_t v = i;
        while (i < line.size() && IsTchar(line[i])) ++i;
        if (i == v) {
          Fail(400, "malformed chunk extension");
          return false;
        }
      }
    } else {
      i = save;
    }
  }
  if (size > limits_.max_body_bytes - body_.size()) {
    Fail(413, "request body too large");
    return false;
  }
  chunk_remaining_ = size;
  return true;
}

ParseState RequestParser::Complete(std::string_view data, size_t end) {
  phase_ = Phase::kDone;
  consumed_ = end;
  req_.method = data.substr(method_.off, method_.len);
  req_.target = data.substr(target_.off, target_.len);
  std::string_view path = req_.target;
  if (path[0] != '/' && path != "*") {  // absolute-form: drop "scheme://authority"
    size_t authority = path.find("://") + 3;
    size_t slash = path.find('/', authority);
    size_t q = path.find('?', authority);
    if (slash == std::string_view::npos || (q != std::string_view::npos && q < slash)) {
      path = q == std::string_view::npos ? std::string_view{} : path.substr(q);
    } else {
      path = path.substr(slash);
    }
  }
  size_t q = path.find('?');
  if (q != std::string_view::npos) {
    req_.query = path.substr(q + 1);
    path = path.substr(0, q);
  }
  req_.path = path.empty() ? std::string_view("/") : path;
  req_.keep_alive = req_.version_minor >= 1 ? !conn_close_ : (conn_keep_alive_ && !conn_close_);
  req_.headers.clear();
  for (const HeaderSpan& h : header_spans_) {
    req_.headers.push_back({data.substr(h.name.off, h.name.len), data.substr(h.value.off, h.value.len)});
  }
  if (chunked_) {
    req_.body = body_;
  } else {
    req_.body = data.substr(body_start_, static_cast<size_t>(content_length_));
  }
  return ParseState::kComplete;
}

}  // namespace pinpipe::http
