// The REST Proxy's embedded formats and content-type negotiation (protocols.md §1.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pinpipe::gateway {

enum class EmbeddedFormat { kBinary, kJson };

std::string_view FormatName(EmbeddedFormat f);
std::string_view FormatContentType(EmbeddedFormat f);

// The media type without parameters, lower-cased comparison: "application/json; charset=x"
// -> "application/json".
std::string_view MediaType(std::string_view content_type);

enum class ProduceFormatResult { kJson, kBinary, kUnsupportedSchemaFormat, kUnsupported };
// Produce bodies: vnd.kafka.json.v2+json and plain application/json are json (a common request
// of REST Proxy users); vnd.kafka.binary.v2+json is binary; avro/jsonschema/protobuf need a
// schema registry, which pinpipe does not have.
ProduceFormatResult ProduceFormat(std::string_view content_type);

// The format a GET records request asks for through Accept: json, binary, or nullopt for
// "whatever the instance has" (absent, */*, application/*, application/json, vnd.kafka.v2+json).
// `unsupported` is set (→ 406) for embedded formats pinpipe does not serve (avro, ...) and for
// an Accept that names nothing pinpipe serves (text/html); ranges with q=0 are skipped.
std::optional<EmbeddedFormat> AcceptedFormat(std::string_view accept, bool* unsupported);

// One record of a GET records answer, {"topic","key","value","partition","offset"}, appended
// to `body`: a key or value as the embedded format writes it (JSON text as is, bytes as
// base64), null when absent. The embedded consumers and a cluster's write the same bytes.
void AppendConsumedRecord(std::string& body, std::string_view topic, int32_t partition, int64_t offset,
                          std::optional<std::string_view> key, std::optional<std::string_view> value,
                          EmbeddedFormat format);

}  // namespace pinpipe::gateway
