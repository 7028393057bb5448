#include "kafka/sasl_session.h"

#include <openssl/rand.h>

#include "kafka/errors.h"
#include "kafka/wire.h"

namespace pinpipe::kafka {
namespace {

std::string ServerNonce() {
  unsigned char raw[18];
  RAND_bytes(raw, sizeof raw);
  return Base64Encode(std::string_view(reinterpret_cast<char*>(raw), sizeof raw));
}

}  // namespace

SaslSession::Answer SaslSession::Handshake(int16_t version, std::string_view body) {
  Reader r(body);
  std::string_view mechanism = r.String(false);
  Answer a;
  if (r.failed()) {
    a.close_now = true;
    a.log = "malformed SaslHandshake";
    return a;
  }
  Writer w(a.body);
  auto write_enabled = [&] {
    w.ArrayLength(static_cast<int32_t>(users_->mechanisms().size()), false);
    for (SaslMechanism m : users_->mechanisms()) w.String(SaslMechanismName(m), false);
  };
  if (state_ != State::kStart) {
    w.I16(err::kIllegalSaslState);
    write_enabled();
    a.close_after = true;
    a.log = "SaslHandshake after the mechanism was chosen";
    state_ = State::kFailed;
    return a;
  }
  auto m = ParseSaslMechanism(mechanism);
  if (!m || !users_->Enabled(*m)) {
    w.I16(err::kUnsupportedSaslMechanism);
    write_enabled();
    a.close_after = true;
    a.log = "unsupported SASL mechanism '" + std::string(mechanism.substr(0, 64)) + "'";
    state_ = State::kFailed;
    return a;
  }
  mechanism_ = *m;
  if (const EVP_MD* md = ScramDigest(mechanism_)) {
    scram_ = std::make_unique<ScramServer>(
        md, [users = users_, mech = mechanism_](std::string_view u) { return users->Scram(mech, u); }, ServerNonce());
  }
  w.I16(err::kNone);
  write_enabled();
  state_ = version == 0 ? State::kRaw : State::kAuthenticate;
  return a;
}

SaslSession::Step SaslSession::Exchange(std::string_view client, std::string* reply, std::string* error,
                                        std::string* log) {
  if (mechanism_ == SaslMechanism::kPlain) {
    std::string_view authzid, user, password;
    if (!ParsePlainMessage(client, &authzid, &user, &password)) {
      *error = "Invalid SASL/PLAIN response: expected 3 tokens";
      *log = "malformed PLAIN message";
      return Step::kFailed;
    }
    if (!authzid.empty() && authzid != user) {
      *error = "Authentication failed: Client requested an authorization id that is different from username";
      *log = "PLAIN authorization id differs from the user name";
      return Step::kFailed;
    }
    if (!users_->CheckPlain(user, password)) {
      *error = "Authentication failed: Invalid username or password";
      *log = "invalid credentials for user '" + std::string(user.substr(0, 128)) + "' (PLAIN)";
      return Step::kFailed;
    }
    user_ = std::string(user);
    reply->clear();
    return Step::kDone;
  }
  std::string out;
  switch (scram_->Next(client, &out)) {
    case ScramServer::Step::kContinue:
      *reply = std::move(out);
      return Step::kContinue;
    case ScramServer::Step::kDone:
      *reply = std::move(out);
      user_ = scram_->user();
      return Step::kDone;
    case ScramServer::Step::kFailed:
      break;
  }
  *error = std::string("Authentication failed during authentication due to invalid credentials with SASL mechanism ") +
           SaslMechanismName(mechanism_);
  *log = out + " (" + SaslMechanismName(mechanism_) + (scram_->user().empty() ? "" : ", user '" + scram_->user().substr(0, 128) + "'") + ")";
  return Step::kFailed;
}

SaslSession::Answer SaslSession::AuthenticateBody(int16_t version, bool flexible, int16_t error,
                                                  std::optional<std::string_view> message, std::string_view bytes) {
  Answer a;
  Writer w(a.body);
  w.I16(error);
  w.NullableString(message, flexible);
  w.Bytes(bytes, flexible);
  if (version >= 1) w.I64(0);  // session_lifetime_ms: no re-authentication (KIP-368)
  if (flexible) w.EmptyTaggedFields();
  return a;
}

SaslSession::Answer SaslSession::Authenticate(int16_t version, bool flexible, std::string_view body) {
  Reader r(body);
  std::optional<std::string_view> bytes = r.Bytes(flexible);
  if (flexible) r.SkipTaggedFields();
  if (r.failed() || !bytes) {
    Answer a;
    a.close_now = true;
    a.log = "malformed SaslAuthenticate";
    return a;
  }
  if (state_ != State::kAuthenticate) {
    Answer a = AuthenticateBody(version, flexible, err::kIllegalSaslState,
                                "Unexpected SaslAuthenticate request: no SaslHandshake v1 chose a mechanism", "");
    a.close_after = true;
    a.log = "SaslAuthenticate out of order";
    state_ = State::kFailed;
    return a;
  }
  std::string reply, error, log;
  switch (Exchange(*bytes, &reply, &error, &log)) {
    case Step::kContinue:
      return AuthenticateBody(version, flexible, err::kNone, std::nullopt, reply);
    case Step::kDone:
      state_ = State::kDone;
      return AuthenticateBody(version, flexible, err::kNone, std::nullopt, reply);
    case Step::kFailed:
      break;
  }
  Answer a = AuthenticateBody(version, flexible, err::kSaslAuthenticationFailed, error, "");
  a.close_after = true;
  a.log = std::move(log);
  state_ = State::kFailed;
  return a;
}

SaslSession::Answer SaslSession::RawToken(std::string_view token) {
  Answer a;
  std::string reply, error;
  switch (Exchange(token, &reply, &error, &a.log)) {
    case Step::kDone:
      state_ = State::kDone;
      [[fallthrough]];
    case Step::kContinue:
      a.body = std::move(reply);
      return a;
    case Step::kFailed:
      break;
  }
  // Kafka closes a v0 exchange that fails without an answer (there is no error field).
  a.close_now = true;
  state_ = State::kFailed;
  return a;
}

}  // namespace pinpipe::kafka
