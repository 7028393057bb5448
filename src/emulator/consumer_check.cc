#include "emulator/consumer_check.h"

#include <unistd.h>

#include <chrono>
#include <thread>

#include "emulator/http_client.h"
#include "emulator/json_value.h"
#include "emulator/py_json.h"

namespace pinpipe::emulator {
namespace {

constexpr std::string_view kV2 = "application/vnd.kafka.v2+json";
constexpr std::string_view kJsonV2 = "application/vnd.kafka.json.v2+json";

Result<HttpResponse> Expect(Result<HttpResponse> r, std::string_view what, const std::string& api) {
  if (!r) {
    return MakeError(r.error().code(), "cannot reach the REST Proxy at " + api + " (" +
                                           std::string(what) + "): " + r.error().message() +
                                           "; is `pinpipe serve` running? (--api URL)");
  }
  if (r->status < 200 || r->status >= 300) {
    return MakeError(ErrorCode::kUnavailable, std::string(what) + ": HTTP " +
                                                  std::to_string(r->status) + ": " +
                                                  r->body.substr(0, 300));
  }
  return r;
}

}  // namespace

Result<ConsumeResult> RunConsumerCheck(const ConsumeOptions& opt) {
  if (opt.topic.empty()) return MakeError(ErrorCode::kInvalidArgument, "--topic is required");
  std::string api = opt.api_url;
  while (!api.empty() && api.back() == '/') api.pop_back();
  const std::string instance =
      opt.instance.empty() ? "pinpipe-consume-" + std::to_string(getpid()) : opt.instance;
  const std::string base = api + "/consumers/" + opt.group;
  const std::string inst = base + "/instances/" + instance;
  HttpClient http;
  const std::string key = opt.api_key.empty() ? "" : "x-api-key: " + opt.api_key;

  std::string body = "{\"name\": ";
  AppendPyJsonString(instance, &body);
  body += ", \"format\": \"json\", \"auto.offset.reset\": \"earliest\"}";
  PINPIPE_RETURN_IF_ERROR(Expect(http.Request("POST", base, kV2, kV2, body, 30000, key), "create consumer", api));

  auto run = [&]() -> Result<ConsumeResult> {
    std::string sub = "{\"topics\": [";
    AppendPyJsonString(opt.topic, &sub);
    sub += "]}";
    PINPIPE_RETURN_IF_ERROR(
        Expect(http.Request("POST", inst + "/subscription", kV2, "", sub, 30000, key), "subscribe", api));
    ConsumeResult out;
    out.json = "[";
    auto last = std::chrono::steady_clock::now();
    const auto idle = std::chrono::milliseconds(opt.timeout_ms);
    while (opt.max_records < 0 || out.records < opt.max_records) {
      const int poll_ms = std::max(100, std::min(opt.timeout_ms, 1000));
      PINPIPE_ASSIGN_OR_RETURN(
          HttpResponse r, Expect(http.Request("GET", inst + "/records?timeout=" + std::to_string(poll_ms),
                                              "", kJsonV2, "", poll_ms + 30000, key),
                                 "read records", api));
      PINPIPE_ASSIGN_OR_RETURN(JsonValue records, JsonValue::Parse(r.body));
      if (!records.is_array()) {
        return MakeError(ErrorCode::kCorruption, "records response is not an array");
      }
      for (const JsonValue& rec : records.items()) {
        if (opt.max_records >= 0 && out.records >= opt.max_records) break;
        if (out.records) out.json += ", ";
        rec.AppendPython(&out.json);
        ++out.records;
      }
      if (!records.items().empty()) {
        last = std::chrono::steady_clock::now();
      } else if (std::chrono::steady_clock::now() - last >= idle) {
        break;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    out.json += "]";
    // Commit what was read (an empty body commits all fetched offsets).
    PINPIPE_RETURN_IF_ERROR(
        Expect(http.Request("POST", inst + "/offsets", kV2, "", "", 30000, key), "commit offsets", api));
    return out;
  };
  auto result = run();
  // Always delete the instance, even after an error.
  auto del = http.Request("DELETE", inst, kV2, "", "", 30000, key);
  if (result && (!del || del->status >= 300)) {
    return MakeError(ErrorCode::kUnavailable, "delete consumer instance: " +
                                                  (del ? "HTTP " + std::to_string(del->status)
                                                       : del.error().message()));
  }
  return result;
}

}  // namespace pinpipe::emulator
