// Stream mode: the API-Gateway facade in front of Kinesis, exactly as the original streaming
// emulator called it (domain.md §4): PUT /streams/streaming-<id>-<pin|geo|user>/record,
// Content-Type application/json, body
// {"StreamName": "streaming-<id>-pin", "Data": {...row...}, "PartitionKey": "partition-1"}
// (partition-2 for geo, partition-3 for user). Works against pinpipe's facade or a real API
// Gateway (--api). API Gateway passes Kinesis errors through as 200 with a {"__type"} body,
// so the body is checked too: throttling and internal failures are retried, others are not.
#pragma once

#include <string>

#include "emulator/http_client.h"
#include "emulator/poster.h"

namespace pinpipe::emulator {

class ApiGatewayStreamPoster final : public Poster {
 public:
  // api_key: sent as x-api-key when not empty (pinpipe's http.api_key).
  ApiGatewayStreamPoster(std::string api_url, std::string pipeline_id, std::string api_key = "");
  PostOutcome Post(TableId table, std::span<const std::string> values) override;
  std::string Describe() const override;

  // streaming-<id>-pin|geo|user
  static std::string StreamName(std::string_view pipeline_id, TableId table);
  // The request body for one row.
  static void BuildBody(std::string_view stream, TableId table, std::string_view value, std::string* body);
  // Classifies a facade answer: 2xx with a Kinesis error body is not ok.
  static PostOutcome Classify(const Result<HttpResponse>& r);

 private:
  std::string streams_[3];
  std::string urls_[3];
  HttpClient http_;
  std::string body_;
  std::string key_header_;
};

}  // namespace pinpipe::emulator
