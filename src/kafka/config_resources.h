// What IncrementalAlterConfigs and AlterConfigs share: the per-resource answer. Only topic
// resources are alterable (retention.ms, retention.bytes, segment.bytes: log/topic_configs.h);
// pinpipe's broker settings come from its own config file and are read-only here.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "kafka/wire.h"

namespace pinpipe::kafka {

struct ConfigResult {
  int16_t error = 0;
  std::string message;
};

// Runs `alter` for a topic resource and maps its Status to Kafka's codes (kNotFound →
// UNKNOWN_TOPIC_OR_PARTITION, kInvalidArgument → INVALID_CONFIG, anything else →
// UNKNOWN_SERVER_ERROR); other resource types get INVALID_REQUEST with the reason.
ConfigResult AlterConfigResource(int8_t resource_type, std::string_view name,
                                 const std::function<Status()>& alter);

// One element of the responses array (both APIs share the layout).
void WriteConfigResult(Writer& w, const ConfigResult& result, int8_t resource_type,
                       std::string_view name, bool flexible);

// A config-change request. AlterConfigs and IncrementalAlterConfigs share its shape —
// resources[{type, name, configs[...]}], validate_only, tagged fields when flexible — and
// differ in the fields of one config entry, which `read_entry(Reader&, Entry&)` reads.
template <typename Entry>
struct ConfigChangeRequest {
  struct Resource {
    int8_t type = 0;
    std::string_view name;  // into the request body
    std::vector<Entry> entries;
  };
  std::vector<Resource> resources;
  bool validate_only = false;
};

// False when the request is malformed (the connection is then closed, as Kafka's broker does).
template <typename Entry, typename ReadEntry>
bool ReadConfigChangeRequest(Reader& r, bool flex, ReadEntry&& read_entry, ConfigChangeRequest<Entry>& out) {
  const int32_t n = r.ArrayLength(flex);
  for (int32_t i = 0; i < n && !r.failed(); ++i) {
    typename ConfigChangeRequest<Entry>::Resource res;
    res.type = r.I8();
    res.name = r.String(flex);
    const int32_t k = r.ArrayLength(flex);
    for (int32_t j = 0; j < k && !r.failed(); ++j) {
      read_entry(r, res.entries.emplace_back());
      if (flex) r.SkipTaggedFields();
    }
    if (flex) r.SkipTaggedFields();
    out.resources.push_back(std::move(res));
  }
  out.validate_only = r.Bool();
  if (flex) r.SkipTaggedFields();
  return !r.failed();
}

// The response body: `alter(resource)` → Status for each resource, in order.
template <typename Entry, typename Alter>
std::string ConfigChangeResponse(const ConfigChangeRequest<Entry>& req, bool flex, Alter&& alter) {
  std::string body;
  Writer w(body);
  w.I32(0);  // throttle_time_ms
  w.ArrayLength(static_cast<int32_t>(req.resources.size()), flex);
  for (const auto& res : req.resources) {
    const ConfigResult result = AlterConfigResource(res.type, res.name, [&] { return alter(res); });
    WriteConfigResult(w, result, res.type, res.name, flex);
  }
  if (flex) w.EmptyTaggedFields();
  return body;
}

}  // namespace pinpipe::kafka
