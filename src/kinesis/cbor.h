// CBOR (RFC 8949) for application/x-amz-cbor-1.1: decodes a request into a Value and encodes a
// response. Decoding accepts every well-formed item the AWS SDKs may send — definite and
// indefinite lengths, half/single/double floats, tags (tag 1 = a timestamp in epoch
// milliseconds, as the AWS SDKs write it, protocols.md §2.7; other tags are transparent) —
// with a nesting limit and no allocation beyond the input's size. Encoding writes the shortest
// definite-length heads; doubles as float64; timestamps as tag 1 + integer milliseconds.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "kinesis/value.h"

namespace pinpipe::kinesis {

inline constexpr int kMaxCborDepth = 64;

// The whole input must be one item (trailing bytes are an error).
Result<Value> DecodeCbor(std::string_view in);
void EncodeCbor(const Value& v, std::string& out);

}  // namespace pinpipe::kinesis
