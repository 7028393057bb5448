// The client side of the commands that talk to a running `pinpipe serve` over its REST Proxy
// API (consume, topics, groups, produce, sink pause|resume|restart, status, analytics): one
// keep-alive connection, JSON bodies, the configured API key on every request, and errors that
// say which server was tried and how to point at another one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "emulator/http_client.h"
#include "emulator/json_value.h"

namespace pinpipe {
class Config;
}

namespace pinpipe::cli {

struct CliContext;

class RestClient {
 public:
  // api_key: sent as x-api-key on every request when not empty (http.api_key).
  explicit RestClient(std::string api_url, std::string api_key = "");
  const std::string& url() const { return api_; }

  // A 2xx response's body; other statuses are errors carrying the server's message
  // (404 -> kNotFound, 4xx -> kInvalidArgument, others kUnavailable).
  Result<std::string> Call(std::string_view method, const std::string& path,
                           std::string_view body = "", long timeout_ms = 30000,
                           std::string_view content_type = "application/vnd.kafka.v2+json",
                           std::string_view extra_header = "");  // "Name: value"
  // POST to the dashboard's API (/ui/api/...). With an API key, the key is the proof a
  // cross-site page cannot forge and is all it sends; without one, it fetches the process's
  // CSRF token from /ui/api/session first (once) and sends it, as the dashboard's pages do.
  Result<std::string> PostUi(const std::string& path, std::string_view json_body);
  Result<emulator::JsonValue> GetJson(const std::string& path);

  // The partition ids of a topic; kNotFound naming the topic if it does not exist.
  Result<std::vector<int>> Partitions(const std::string& topic);
  struct Offsets {
    int64_t beginning = 0, end = 0;
  };
  Result<Offsets> PartitionOffsets(const std::string& topic, int partition);

 private:
  std::string api_;
  std::string key_header_;  // "x-api-key: ..." or ""
  std::string csrf_;
  emulator::HttpClient http_;
};

// The client of the server the command's configuration names: ctx.ServerUrl(cfg) with the
// key http.api_key.
RestClient ClientFor(const CliContext& ctx, const Config& cfg);

// One path segment, percent-encoded (RFC 3986 §2.1): every byte but the unreserved
// [A-Za-z0-9-._~] becomes %XX, so a group "my group", a '/' or a '%' in a name, or UTF-8
// bytes, reach the server as one segment that it decodes back once. Every name a client
// command puts in a path goes through it.
std::string PathSegment(std::string_view s);

// "a.b" -> "a.b" with JSON string escaping and quotes.
std::string JsonQuote(std::string_view s);

}  // namespace pinpipe::cli
