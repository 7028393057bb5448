// Batch mode: the Kafka REST Proxy v2 produce API, exactly as the original emulator
// called it: POST /topics/<id>.<pin|geo|user>, Content-Type
// application/vnd.kafka.json.v2+json, body {"records":[{"value":{...}}, ...]}.
#pragma once

#include <memory>
#include <string>

#include "emulator/http_client.h"
#include "emulator/poster.h"

namespace pinpipe::emulator {

inline constexpr std::string_view kKafkaJsonV2 = "application/vnd.kafka.json.v2+json";

class RestProxyPoster final : public Poster {
 public:
  // api_key: sent as x-api-key when not empty (pinpipe's http.api_key).
  RestProxyPoster(std::string api_url, std::string pipeline_id, std::string api_key = "");
  PostOutcome Post(TableId table, std::span<const std::string> values) override;
  std::string Describe() const override;

  // The request body for `values`.
  static void BuildBody(std::span<const std::string> values, std::string* body);

 private:
  std::string api_url_;
  std::string urls_[3];
  HttpClient http_;
  std::string body_;
  std::string key_header_;
};

// Classifies an HTTP result (shared by every poster).
PostOutcome ClassifyHttp(const Result<HttpResponse>& r);

}  // namespace pinpipe::emulator
