// JSON validation at the door: accepts exactly the texts that every later reader of a stored
// value accepts, so a record acknowledged by the REST Proxy can always be formatted by the sink
// and read by a json consumer.
//
//  - RFC 8259 grammar: one value with optional surrounding whitespace; no leading zeros, no
//    "1." or ".5", no trailing commas, literals spelled out, escapes from the RFC's list only.
//  - UTF-8 well-formed (RFC 3629: no overlongs, no encoded surrogates, <= U+10FFFF); control
//    characters below 0x20 only escaped.
//  - \u escapes: a high surrogate must be followed by an escaped low surrogate; a lone low
//    surrogate is refused (simdjson 3 refuses both; a lone surrogate cannot be re-encoded in UTF-8).
//  - Numbers: an integer (no fraction, no exponent) must fit int64 or uint64 — simdjson's DOM,
//    which the sink and the json consumer use, refuses larger ones; any other number must be
//    finite as a double (1e999 overflows and is refused; 1e-999 underflows to 0 and is fine).
//  - Limits of Jackson's StreamReadConstraints (2.15+), the strictest JVM reader: nesting depth
//    <= 1000 (simdjson allows 1024), a number <= 1000 characters, a string <= 20,000,000 bytes.
//
// One pass, no allocation: the container stack is a fixed bitset; runs of plain ASCII inside
// strings are skipped eight bytes at a time.
#pragma once

#include <cstddef>
#include <string_view>

namespace pinpipe {

struct JsonLimits {
  int max_depth = 1000;
  size_t max_number_chars = 1000;
  size_t max_string_bytes = 20'000'000;
};

struct JsonValidation {
  bool ok = true;
  size_t offset = 0;         // byte offset of the first error
  const char* reason = "";   // static text, e.g. "number out of range"
  explicit operator bool() const { return ok; }
};

// The hard cap of JsonLimits::max_depth (the stack is a fixed bitset of this many bits).
inline constexpr int kJsonMaxDepthCap = 4096;

JsonValidation ValidateJson(std::string_view text, const JsonLimits& limits = {});

}  // namespace pinpipe
