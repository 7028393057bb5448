#include "groups/consumer_protocol.h"

#include <algorithm>

namespace pinpipe::groups {
namespace {

void PutI16(std::string& out, int16_t v) {
  out += static_cast<char>((v >> 8) & 0xff);
  out += static_cast<char>(v & 0xff);
}

void PutI32(std::string& out, int32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

void PutString(std::string& out, std::string_view s) {
  PutI16(out, static_cast<int16_t>(s.size()));
  out += s;
}

// A bounds-checked reader: any read past the end marks it failed and returns zeros.
struct Cursor {
  std::string_view in;
  bool failed = false;
  bool Need(size_t n) {
    if (failed || in.size() < n) failed = true;
    return !failed;
  }
  int16_t I16() {
    if (!Need(2)) return 0;
    auto v = static_cast<int16_t>((static_cast<uint8_t>(in[0]) << 8) | static_cast<uint8_t>(in[1]));
    in.remove_prefix(2);
    return v;
  }
  int32_t I32() {
    if (!Need(4)) return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(in[static_cast<size_t>(i)]);
    in.remove_prefix(4);
    return static_cast<int32_t>(v);
  }
  std::string String() {
    int16_t n = I16();
    if (n < 0 || !Need(static_cast<size_t>(n))) {
      failed = true;
      return {};
    }
    std::string s(in.substr(0, static_cast<size_t>(n)));
    in.remove_prefix(static_cast<size_t>(n));
    return s;
  }
  // An array length that the remaining bytes can hold (each element at least `min` bytes).
  int32_t Count(size_t min) {
    int32_t n = I32();
    if (n < -1 || (n > 0 && in.size() / min < static_cast<size_t>(n))) failed = true;
    return failed ? 0 : std::max(n, 0);
  }
};

}  // namespace

std::string EncodeSubscription(const std::vector<std::string>& topics) {
  std::string out;
  PutI16(out, 0);
  PutI32(out, static_cast<int32_t>(topics.size()));
  for (const auto& t : topics) PutString(out, t);
  PutI32(out, -1);  // no user data
  return out;
}

std::optional<std::vector<std::string>> DecodeSubscriptionTopics(std::string_view bytes) {
  Cursor c{bytes};
  if (c.I16() < 0) return std::nullopt;
  int32_t n = c.Count(2);
  std::vector<std::string> topics;
  for (int32_t i = 0; i < n && !c.failed; ++i) topics.push_back(c.String());
  if (c.failed) return std::nullopt;
  return topics;
}

std::string EncodeAssignment(const TopicPartitionList& partitions) {
  std::string out;
  PutI16(out, 0);
  PutI32(out, static_cast<int32_t>(partitions.size()));
  for (const auto& [topic, parts] : partitions) {
    PutString(out, topic);
    PutI32(out, static_cast<int32_t>(parts.size()));
    for (int32_t p : parts) PutI32(out, p);
  }
  PutI32(out, -1);  // no user data
  return out;
}

std::optional<TopicPartitionList> DecodeAssignment(std::string_view bytes) {
  if (bytes.empty()) return TopicPartitionList{};
  Cursor c{bytes};
  if (c.I16() < 0) return std::nullopt;
  int32_t n = c.Count(6);
  TopicPartitionList out;
  for (int32_t i = 0; i < n && !c.failed; ++i) {
    std::string topic = c.String();
    int32_t k = c.Count(4);
    std::vector<int32_t> parts;
    for (int32_t j = 0; j < k && !c.failed; ++j) parts.push_back(c.I32());
    out.emplace_back(std::move(topic), std::move(parts));
  }
  if (c.failed) return std::nullopt;
  return out;
}

}  // namespace pinpipe::groups
