// Helpers for parser tests: feed a request whole or one byte at a time.
#pragma once

#include <string>
#include <string_view>

#include "http/request_parser.h"

namespace pinpipe::http::testing {

// Feeds `input` growing one byte per call (as a slow client would); returns the final state.
inline ParseState FeedBytewise(RequestParser& p, std::string_view input) {
  ParseState st = ParseState::kNeedMore;
  for (size_t n = 1; n <= input.size(); ++n) {
    st = p.Parse(input.substr(0, n));
    if (st != ParseState::kNeedMore) return st;
  }
  return st;
}

}  // namespace pinpipe::http::testing
