// The Kafka listener's SASL users (kafka.listener_sasl_users, "user:password,…") and what is
// derived from them once at start: a SHA-256 of each password for PLAIN, and for each enabled
// SCRAM mechanism a random salt and the stored and server keys (PBKDF2, 4096 iterations — the
// minimum Kafka accepts). Passwords are not kept. Immutable after Parse, shared by every
// connection.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "kafka/sasl_scram.h"

namespace pinpipe::kafka {

enum class SaslMechanism : uint8_t { kPlain, kScramSha256, kScramSha512 };

// Kafka's names: "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512" (case-sensitive, as Kafka).
std::optional<SaslMechanism> ParseSaslMechanism(std::string_view name);
const char* SaslMechanismName(SaslMechanism m);
const EVP_MD* ScramDigest(SaslMechanism m);  // nullptr for PLAIN

// PLAIN's one message (RFC 4616): [authzid] NUL authcid NUL passwd. False if malformed.
bool ParsePlainMessage(std::string_view msg, std::string_view* authzid, std::string_view* user,
                       std::string_view* password);

class SaslUsers {
 public:
  static constexpr int kScramIterations = 4096;
  // `spec`: "user:password,…" (the first ':' separates; names cannot hold ',' or ':').
  // Errors never quote a password.
  static Result<std::shared_ptr<const SaslUsers>> Parse(std::string_view spec,
                                                        std::vector<SaslMechanism> mechanisms);

  const std::vector<SaslMechanism>& mechanisms() const { return mechanisms_; }
  bool Enabled(SaslMechanism m) const;
  // Constant-time in the password (a hash of it is compared with CRYPTO_memcmp); an unknown
  // user costs the same hash.
  bool CheckPlain(std::string_view user, std::string_view password) const;
  // nullptr for an unknown user or a mechanism that is not enabled.
  const ScramCredential* Scram(SaslMechanism m, std::string_view user) const;
  size_t size() const { return users_.size(); }

 private:
  struct User {
    std::string plain_digest;  // SHA-256(password)
    ScramCredential scram256, scram512;
  };
  std::vector<SaslMechanism> mechanisms_;
  std::map<std::string, User, std::less<>> users_;
};

}  // namespace pinpipe::kafka
