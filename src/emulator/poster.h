// Poster: where the emulator sends an interaction's rows. One implementation per
// ingestion API: the Kafka REST Proxy (batch mode, rest_proxy_poster.h) now, the
// API-Gateway/Kinesis facade (stream mode) beside it later. Retries are the caller's
// (one policy for every API); a poster only classifies each outcome.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "emulator/source_schema.h"

namespace pinpipe::emulator {

struct PostOutcome {
  bool ok = false;
  bool retryable = false;   // 5xx, 429, connection error, timeout
  bool connection_error = false;
  long status = 0;          // HTTP status, 0 if none
  std::string message;      // for the user when not ok
};

class Poster {
 public:
  virtual ~Poster() = default;
  // Sends rows of one table (each a JSON object, as the original posted them). Records
  // of one call go in as few requests as the API allows.
  virtual PostOutcome Post(TableId table, std::span<const std::string> values) = 0;
  // "POST http://127.0.0.1:8082/topics/pinterest.pin|geo|user", for messages.
  virtual std::string Describe() const = 0;
};

}  // namespace pinpipe::emulator
