// AWS JSON 1.1 bodies <-> Value. Parsing uses simdjson (strict RFC 8259, UTF-8 checked); numbers
// that fit int64 stay integers, others become doubles. Encoding writes bytes as base64 and
// timestamps as epoch seconds with millisecond fractions (protocols.md §2.2).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "kinesis/value.h"

namespace pinpipe::kinesis {

inline constexpr int kMaxJsonDepth = 64;

Result<Value> DecodeJson(std::string_view in);
void EncodeJson(const Value& v, std::string& out);

}  // namespace pinpipe::kinesis
