// The consumer check of the original: a REST Proxy v2 consumer in a group reads one
// topic from the beginning and writes what it got as the JSON array the original's
// script wrote ([{"topic", "key", "value", "partition", "offset"}, ...]).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace pinpipe::emulator {

struct ConsumeOptions {
  std::string api_url = "http://127.0.0.1:8082";
  std::string api_key;       // sent as x-api-key when not empty (pinpipe's http.api_key)
  std::string group = "students";
  std::string topic;
  std::string instance;      // empty: "pinpipe-consume-<pid>"
  int64_t max_records = -1;  // stop after this many; -1 = until idle
  int timeout_ms = 5000;     // stop when no record arrived for this long
};

struct ConsumeResult {
  int64_t records = 0;
  std::string json;  // the array, as json.dumps wrote it
};

Result<ConsumeResult> RunConsumerCheck(const ConsumeOptions& options);

}  // namespace pinpipe::emulator
