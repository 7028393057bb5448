// libFuzzer target for the HTTP/1.1 request parser: the input is parsed whole, then again
// split at a point chosen from the first byte; both runs must reach the same verdict and
// the same body, and accepted requests must hold views inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/request_parser.h"

namespace {

void Check(bool cond) {
  if (!cond) std::abort();
}

bool Inside(std::string_view outer, std::string_view inner) {
  return inner.empty() ||
         (inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using pinpipe::http::ParseState;
  using pinpipe::http::ParserLimits;
  using pinpipe::http::RequestParser;
  if (size == 0) return 0;
  const size_t cut = data[0] % size;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  ParserLimits limits;
  limits.max_header_bytes = 2048;
  limits.max_body_bytes = 4096;

  RequestParser whole(limits);
  ParseState a = whole.Parse(in);
  if (a == ParseState::kComplete) {
    const auto& r = whole.request();
    Check(whole.consumed() <= in.size());
    Check(Inside(in, r.method) && Inside(in, r.target) && Inside(in, r.query));
    for (const auto& h : r.headers) Check(Inside(in, h.name) && Inside(in, h.value));
    Check(r.body.size() <= limits.max_body_bytes);
    (void)r.Header("content-type");
    (void)r.QueryParam("a");
  } else if (a == ParseState::kError) {
    int s = whole.error_status();
    Check(s == 400 || s == 413 || s == 417 || s == 431 || s == 501 || s == 505);
  }

  // Pipelining: keep parsing what follows a complete request.
  if (a == ParseState::kComplete) {
    std::string_view rest = in.substr(whole.consumed());
    for (int i = 0; i < 8 && !rest.empty(); ++i) {
      whole.Reset();
      if (whole.Parse(rest) != ParseState::kComplete) break;
      Check(whole.consumed() > 0);
      rest.remove_prefix(whole.consumed());
    }
  }

  RequestParser split(limits);
  ParseState b = split.Parse(in.substr(0, cut));
  if (b == ParseState::kNeedMore) b = split.Parse(in);
  if (b != ParseState::kError || a != ParseState::kError) {
    // An early verdict on a prefix can only be an error the whole input also has.
    RequestParser again(limits);
    ParseState c = again.Parse(in);
    Check(b == c);
    if (b == ParseState::kComplete) Check(split.request().body == again.request().body);
  }
  return 0;
}
