// The client side of the commands that talk to a running `pinpipe serve` over its REST Proxy
// API (consume, topics, groups, produce): one keep-alive connection, JSON bodies, and errors
// that say which server was tried and how to point at another one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "emulator/http_client.h"
#include "emulator/json_value.h"

namespace pinpipe::cli {

class RestClient {
 public:
  explicit RestClient(std::string api_url);
  const std::string& url() const { return api_; }

  // A 2xx response's body; other statuses are errors carrying the server's message
  // (404 -> kNotFound, 4xx -> kInvalidArgument, others kUnavailable).
  Result<std::string> Call(std::string_view method, const std::string& path,
                           std::string_view body = "", long timeout_ms = 30000,
                           std::string_view content_type = "application/vnd.kafka.v2+json",
                           std::string_view extra_header = "");  // "Name: value"
  // POST to the dashboard's API (/ui/api/...): fetches the process's CSRF token from
  // /ui/api/session first (once) and sends it, as the dashboard's own pages do.
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
  std::string csrf_;
  emulator::HttpClient http_;
};

// "a.b" -> "a.b" with JSON string escaping and quotes.
std::string JsonQuote(std::string_view s);

}  // namespace pinpipe::cli
