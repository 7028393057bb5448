#include "kinesis/event_stream.h"

#include <zlib.h>

namespace pinpipe::kinesis {
namespace {

void PutU32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

uint32_t GetU32(std::string_view s, size_t at) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[at + i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

constexpr uint8_t kStringType = 7;

}  // namespace

uint32_t Crc32(std::string_view bytes, uint32_t crc) {
  return static_cast<uint32_t>(
      ::crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

void AppendEventMessage(const std::vector<EventHeader>& headers, std::string_view payload, std::string& out) {
  size_t headers_len = 0;
  for (const auto& [name, value] : headers) headers_len += 1 + name.size() + 1 + 2 + value.size();
  const size_t total = 12 + headers_len + payload.size() + 4;
  const size_t start = out.size();
  out.reserve(start + total);
  PutU32(out, static_cast<uint32_t>(total));
  PutU32(out, static_cast<uint32_t>(headers_len));
  PutU32(out, Crc32(std::string_view(out).substr(start, 8)));
  for (const auto& [name, value] : headers) {
    out.push_back(static_cast<char>(name.size()));
    out.append(name);
    out.push_back(static_cast<char>(kStringType));
    out.push_back(static_cast<char>(value.size() >> 8));
    out.push_back(static_cast<char>(value.size()));
    out.append(value);
  }
  out.append(payload);
  PutU32(out, Crc32(std::string_view(out).substr(start)));
}

void AppendEvent(std::string_view event_type, std::string_view content_type, std::string_view payload,
                 std::string& out) {
  AppendEventMessage({{":event-type", event_type}, {":content-type", content_type}, {":message-type", "event"}},
                     payload, out);
}

void AppendException(std::string_view exception_type, std::string_view content_type, std::string_view payload,
                     std::string& out) {
  AppendEventMessage(
      {{":exception-type", exception_type}, {":content-type", content_type}, {":message-type", "exception"}},
      payload, out);
}

std::string EventMessage::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return {};
}

std::optional<EventMessage> DecodeEventMessage(std::string_view in, size_t* used) {
  if (in.size() < 16) return std::nullopt;
  const uint32_t total = GetU32(in, 0), headers_len = GetU32(in, 4);
  if (total < 16 || headers_len > total - 16 || in.size() < total) return std::nullopt;
  if (Crc32(in.substr(0, 8)) != GetU32(in, 8)) return std::nullopt;
  if (Crc32(in.substr(0, total - 4)) != GetU32(in, total - 4)) return std::nullopt;
  EventMessage m;
  std::string_view h = in.substr(12, headers_len);
  while (!h.empty()) {
    const size_t nlen = static_cast<unsigned char>(h[0]);
    if (h.size() < 1 + nlen + 1 + 2) return std::nullopt;
    std::string name(h.substr(1, nlen));
    if (static_cast<uint8_t>(h[1 + nlen]) != kStringType) return std::nullopt;
    const size_t vlen = (static_cast<size_t>(static_cast<unsigned char>(h[2 + nlen])) << 8) |
                        static_cast<unsigned char>(h[3 + nlen]);
    if (h.size() < 4 + nlen + vlen) return std::nullopt;
    m.headers.emplace_back(std::move(name), std::string(h.substr(4 + nlen, vlen)));
    h.remove_prefix(4 + nlen + vlen);
  }
  m.payload = std::string(in.substr(12 + headers_len, total - 16 - headers_len));
  if (used) *used = total;
  return m;
}

}  // namespace pinpipe::kinesis
