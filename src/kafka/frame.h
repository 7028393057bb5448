// Framing (kafka.md §2.1): every request and response is an int32 size and that many bytes.
// Request header v1 (api_key, api_version, correlation_id, client_id as an int16 string) and,
// for flexible versions, v2 (v1 + a tagged-field section). Response header v0 (correlation id)
// or v1 (+ tagged fields) for flexible responses — except ApiVersions, always v0.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kafka/wire.h"

namespace pinpipe::kafka {

enum class FrameStatus { kNeedMore, kFrame, kTooLarge, kInvalidSize };

// Looks for one frame at the front of `buf`. kFrame: *frame holds its payload and *consumed the
// bytes to drop (4 + size). kTooLarge: the size is over `max_bytes` (Kafka's
// socket.request.max.bytes: the broker closes the connection). kInvalidSize: negative.
FrameStatus NextFrame(std::string_view buf, size_t max_bytes, std::string_view* frame,
                      size_t* consumed);

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string_view> client_id;
  bool flexible = false;  // request body and response (except ApiVersions) use compact types
};

// Parses the header at the front of a frame, leaving `r` at the body. False if malformed
// (shorter than the fixed fields, a bad client id or tag section).
bool ParseRequestHeader(Reader& r, RequestHeader* header);

// Starts a response frame in `out`: size placeholder, correlation id, and the tagged-field
// section of header v1 when `flexible_header`. Returns the frame's start for FinishResponse.
size_t BeginResponse(std::string& out, int32_t correlation_id, bool flexible_header);
// Patches the frame size once the body is written: `more` bytes of it that follow `out`
// elsewhere (a body sent as pieces) count too.
void FinishResponse(std::string& out, size_t start, size_t more = 0);
// Response header version for a request: v1 for flexible requests except ApiVersions.
bool FlexibleResponseHeader(const RequestHeader& h);

}  // namespace pinpipe::kafka
