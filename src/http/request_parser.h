// RequestParser: strict, incremental HTTP/1.1 request parser (RFC 9112). Feed it the bytes of
// the current request from its first byte each time more arrive (the same prefix, possibly
// longer; the buffer may move between calls because only offsets are kept). Scanning resumes
// where it stopped, so total work is linear in the input.
//
// Deliberate decisions (see README.md): CRLF required (bare LF -> 400); obs-fold -> 400;
// whitespace before ':' -> 400; Host required for 1.1 and must be unique; CL and TE together
// -> 400; TE other than "chunked" -> 501; TE in HTTP/1.0 -> 400; duplicate CL only if equal;
// leading empty lines before the request line are skipped (RFC 9112 §2.2); major version other
// than 1 -> 505; chunk extensions are validated and ignored; trailers are validated, dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/request.h"

namespace pinpipe::http {

struct ParserLimits {
  size_t max_header_bytes = 16384;       // request line + header section (and trailers)
  size_t max_body_bytes = 32u << 20;
  size_t max_headers = 128;
};

enum class ParseState { kNeedMore, kComplete, kError };

class RequestParser {
 public:
  explicit RequestParser(ParserLimits limits = {});

  ParseState Parse(std::string_view data);

  // After kComplete: the request (views into the last `data` and into parser storage) and the
  // number of bytes of `data` it used (the next request starts there).
  const Request& request() const { return req_; }
  Request& mutable_request() { return req_; }
  size_t consumed() const { return consumed_; }

  // After kError: the status to answer with (400, 413, 417, 431, 501, 505) and a short reason.
  int error_status() const { return error_status_; }
  std::string_view error_reason() const { return error_reason_; }

  // Progress, for timeouts and 100-continue.
  bool started() const { return started_; }  // saw a byte of the request line
  bool headers_complete() const { return headers_done_; }
  // Headers done, "Expect: 100-continue" present on 1.1, and a body still to come.
  bool expects_continue() const { return expect_continue_; }
  bool is_head() const { return is_head_; }

  // Prepares for the next request (keeps allocated capacity).
  void Reset();

 private:
  enum class Phase { kRequestLine, kHeaders, kBody, kChunkSize, kChunkData, kChunkDataEnd,
                     kTrailers, kDone, kError };
  struct Span { uint32_t off = 0, len = 0; };
  struct HeaderSpan { Span name, value; };

  ParseState Fail(int status, const char* reason);
  // Each returns false after Fail().
  bool ParseRequestLine(std::string_view data, size_t begin, size_t end);
  bool ParseHeaderLine(std::string_view data, size_t begin, size_t end, bool trailer);
  bool FinishHeaders(std::string_view data);
  bool ParseChunkSizeLine(std::string_view line);
  ParseState Complete(std::string_view data, size_t end);
  // Finds the next CRLF-terminated line from pos_; returns false if incomplete.
  bool NextLine(std::string_view data, size_t limit_end, size_t* begin, size_t* end);

  ParserLimits limits_;
  Phase phase_ = Phase::kRequestLine;
  size_t pos_ = 0;          // scanning position in data
  size_t line_start_ = 0;   // start of the current (incomplete) line
  size_t head_start_ = 0;   // first byte of the request line (after leading CRLFs)
  size_t body_start_ = 0;
  uint64_t content_length_ = 0;
  uint64_t chunk_remaining_ = 0;
  size_t trailer_bytes_ = 0;
  bool chunked_ = false;
  bool started_ = false;
  bool headers_done_ = false;
  bool expect_continue_ = false;
  bool unknown_expectation_ = false;
  bool is_head_ = false;
  bool has_content_length_ = false;
  int host_count_ = 0;
  bool conn_close_ = false;
  bool conn_keep_alive_ = false;
  Span method_, target_;
  std::vector<HeaderSpan> header_spans_;
  std::string body_;  // de-chunked body
  Request req_;
  size_t consumed_ = 0;
  int error_status_ = 0;
  const char* error_reason_ = "";
};

}  // namespace pinpipe::http
