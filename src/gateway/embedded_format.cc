#include "gateway/embedded_format.h"

#include "http/request.h"

namespace pinpipe::gateway {

std::string_view FormatName(EmbeddedFormat f) {
  return f == EmbeddedFormat::kJson ? "json" : "binary";
}

std::string_view FormatContentType(EmbeddedFormat f) {
  return f == EmbeddedFormat::kJson ? "application/vnd.kafka.json.v2+json"
                                    : "application/vnd.kafka.binary.v2+json";
}

std::string_view MediaType(std::string_view ct) {
  auto semi = ct.find(';');
  if (semi != std::string_view::npos) ct = ct.substr(0, semi);
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
  return ct;
}

ProduceFormatResult ProduceFormat(std::string_view content_type) {
  std::string_view mt = MediaType(content_type);
  using http::EqualsIgnoreCase;
  if (EqualsIgnoreCase(mt, "application/vnd.kafka.json.v2+json") ||
      EqualsIgnoreCase(mt, "application/json")) {
    return ProduceFormatResult::kJson;
  }
  if (EqualsIgnoreCase(mt, "application/vnd.kafka.binary.v2+json")) {
    return ProduceFormatResult::kBinary;
  }
  if (EqualsIgnoreCase(mt, "application/vnd.kafka.avro.v2+json") ||
      EqualsIgnoreCase(mt, "application/vnd.kafka.jsonschema.v2+json") ||
      EqualsIgnoreCase(mt, "application/vnd.kafka.protobuf.v2+json")) {
    return ProduceFormatResult::kUnsupportedSchemaFormat;
  }
  return ProduceFormatResult::kUnsupported;
}

std::optional<EmbeddedFormat> AcceptedFormat(std::string_view accept, bool* unsupported) {
  *unsupported = false;
  std::optional<EmbeddedFormat> found;
  // Accept is a comma-separated list; the first embedded format named wins.
  while (!accept.empty()) {
    auto comma = accept.find(',');
    std::string_view item = MediaType(accept.substr(0, comma));
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    using http::EqualsIgnoreCase;
    if (EqualsIgnoreCase(item, "application/vnd.kafka.json.v2+json")) return EmbeddedFormat::kJson;
    if (EqualsIgnoreCase(item, "application/vnd.kafka.binary.v2+json")) return EmbeddedFormat::kBinary;
    if (item.starts_with("application/vnd.kafka.") && item != "application/vnd.kafka.v2+json" &&
        item.ends_with(".v2+json")) {
      *unsupported = true;
    }
  }
  return found;
}

}  // namespace pinpipe::gateway
