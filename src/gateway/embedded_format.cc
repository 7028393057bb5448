#include "gateway/embedded_format.h"

#include "common/base64.h"
#include "common/json_writer.h"
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

namespace {

// True for a media range with q=0 ("not acceptable", RFC 9110 §12.4.2).
bool QualityZero(std::string_view item) {
  size_t semi = item.find(';');
  while (semi != std::string_view::npos) {
    std::string_view param = item.substr(semi + 1);
    size_t next = param.find(';');
    std::string_view p = MediaType(param.substr(0, next));  // trims whitespace
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      std::string_view v = p.substr(2);
      return !v.empty() && v[0] == '0' && v.find_first_not_of("0.", 0) == std::string_view::npos;
    }
    semi = next == std::string_view::npos ? next : semi + 1 + next;
  }
  return false;
}

}  // namespace

std::optional<EmbeddedFormat> AcceptedFormat(std::string_view accept, bool* unsupported) {
  *unsupported = false;
  bool named_unsupported = false, acceptable = MediaType(accept).empty();
  // Accept is a comma-separated list; the first embedded format named wins.
  while (!accept.empty()) {
    auto comma = accept.find(',');
    std::string_view raw = accept.substr(0, comma);
    std::string_view item = MediaType(raw);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    if (item.empty() || QualityZero(raw)) continue;
    using http::EqualsIgnoreCase;
    if (EqualsIgnoreCase(item, "application/vnd.kafka.json.v2+json")) return EmbeddedFormat::kJson;
    if (EqualsIgnoreCase(item, "application/vnd.kafka.binary.v2+json")) return EmbeddedFormat::kBinary;
    if (EqualsIgnoreCase(item, "*/*") || EqualsIgnoreCase(item, "application/*") ||
        EqualsIgnoreCase(item, "application/json") ||
        EqualsIgnoreCase(item, "application/vnd.kafka.v2+json")) {
      acceptable = true;
    } else if (item.starts_with("application/vnd.kafka.") && item.ends_with(".v2+json")) {
      named_unsupported = true;
    }
  }
  // Nothing pinpipe can answer with (text/html, an avro consumer's type): 406, as Jersey
  // answers when no @Produces type matches.
  *unsupported = named_unsupported || !acceptable;
  return std::nullopt;
}

void AppendConsumedRecord(std::string& body, std::string_view topic, int32_t partition, int64_t offset,
                          std::optional<std::string_view> key, std::optional<std::string_view> value,
                          EmbeddedFormat format) {
  auto payload = [&](const std::optional<std::string_view>& p) {
    if (!p) {
      body += "null";
    } else if (format == EmbeddedFormat::kJson) {
      body += *p;
    } else {
      body += '"';
      Base64Encode(*p, body);
      body += '"';
    }
  };
  body += "{\"topic\":";
  AppendJsonString(body, topic);
  body += ",\"key\":";
  payload(key);
  body += ",\"value\":";
  payload(value);
  body += ",\"partition\":";
  AppendJsonInt(body, partition);
  body += ",\"offset\":";
  AppendJsonInt(body, offset);
  body += '}';
}

}  // namespace pinpipe::gateway
