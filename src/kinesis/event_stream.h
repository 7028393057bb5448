// The AWS event stream framing (application/vnd.amazon.eventstream), which SubscribeToShard
// answers with. Spec: "Event stream encoding" in the Smithy AWS protocols
// (https://smithy.io/2.0/aws/amazon-eventstream.html) and the Transcribe / S3 Select guides:
//
//   message  = prelude headers payload message_crc
//   prelude  = total_length(u32 BE) headers_length(u32 BE) prelude_crc(u32 BE)
//   header   = name_length(u8) name type(u8) value   (type 7 = string: length(u16 BE) bytes)
//   prelude_crc = CRC32 (IEEE 802.3, zlib's) of the first 8 bytes;
//   message_crc = CRC32 of everything before it (prelude and prelude_crc included).
//
// A total length counts all of it: 12 (prelude) + headers + payload + 4 (message CRC).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pinpipe::kinesis {

using EventHeader = std::pair<std::string_view, std::string_view>;  // string headers only

// Appends one message with string-typed headers to `out`.
void AppendEventMessage(const std::vector<EventHeader>& headers, std::string_view payload, std::string& out);

// An event (":message-type: event"): ":event-type", ":content-type" and the payload.
void AppendEvent(std::string_view event_type, std::string_view content_type, std::string_view payload,
                 std::string& out);
// A modelled exception (":message-type: exception", ":exception-type").
void AppendException(std::string_view exception_type, std::string_view content_type, std::string_view payload,
                     std::string& out);

// The decoded form of one message (tests and tools): headers of string type, the payload.
struct EventMessage {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;
  std::string Header(std::string_view name) const;
};
// Decodes the message at the start of `in`; nullopt if it is incomplete or either CRC fails.
// `used` receives its length.
std::optional<EventMessage> DecodeEventMessage(std::string_view in, size_t* used);

uint32_t Crc32(std::string_view bytes, uint32_t crc = 0);

}  // namespace pinpipe::kinesis
