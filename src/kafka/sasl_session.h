// One connection's SASL exchange on a SASL listener (KIP-43, KIP-152): SaslHandshake (API 17,
// v0-1) picks a mechanism, then SaslAuthenticate (API 36, v0-2, v2 flexible) carries the
// mechanism's messages — or, after a v0 handshake, the client sends them as bare size-prefixed
// tokens (RawToken; kafka-python does). Until authenticated() the connection accepts only
// ApiVersions and these two (the server closes on anything else, as Kafka's broker does).
// A failed exchange answers SASL_AUTHENTICATION_FAILED (58) with Kafka's message, an
// unsupported mechanism UNSUPPORTED_SASL_MECHANISM (33) with the enabled list, a request out of
// order ILLEGAL_SASL_STATE (34); all three then close the connection (close_after).
// Everything here is a few hashes (the SCRAM keys are derived at start), so it runs on the
// reactor.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kafka/sasl_scram.h"
#include "kafka/sasl_users.h"

namespace pinpipe::kafka {

class SaslSession {
 public:
  explicit SaslSession(std::shared_ptr<const SaslUsers> users) : users_(std::move(users)) {}

  struct Answer {
    std::string body;           // the response body (RawToken: the bare token)
    bool close_now = false;     // malformed request: close without answering
    bool close_after = false;   // answer, then close
    std::string log;            // why it failed, for the server's log (no secrets)
  };

  bool authenticated() const { return state_ == State::kDone; }
  bool raw_tokens() const { return state_ == State::kRaw; }
  const std::string& user() const { return user_; }

  Answer Handshake(int16_t version, std::string_view body);
  Answer Authenticate(int16_t version, bool flexible, std::string_view body);
  Answer RawToken(std::string_view token);

 private:
  enum class State { kStart, kAuthenticate, kRaw, kDone, kFailed };
  // Runs one mechanism step: *reply is the server's message, *error Kafka's message on failure.
  enum class Step { kContinue, kDone, kFailed };
  Step Exchange(std::string_view client, std::string* reply, std::string* error, std::string* log);
  Answer AuthenticateBody(int16_t version, bool flexible, int16_t error, std::optional<std::string_view> message,
                          std::string_view bytes);

  std::shared_ptr<const SaslUsers> users_;
  State state_ = State::kStart;
  SaslMechanism mechanism_ = SaslMechanism::kPlain;
  std::unique_ptr<ScramServer> scram_;
  std::string user_;
};

}  // namespace pinpipe::kafka
