#include "kafka/sasl_users.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>

namespace pinpipe::kafka {
namespace {

std::string Sha256(std::string_view s) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), out, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string RandomSalt() {
  std::string salt(16, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size()));
  return salt;
}

}  // namespace

std::optional<SaslMechanism> ParseSaslMechanism(std::string_view name) {
  if (name == "PLAIN") return SaslMechanism::kPlain;
  if (name == "SCRAM-SHA-256") return SaslMechanism::kScramSha256;
  if (name == "SCRAM-SHA-512") return SaslMechanism::kScramSha512;
  return std::nullopt;
}

const char* SaslMechanismName(SaslMechanism m) {
  switch (m) {
    case SaslMechanism::kPlain: return "PLAIN";
    case SaslMechanism::kScramSha256: return "SCRAM-SHA-256";
    case SaslMechanism::kScramSha512: return "SCRAM-SHA-512";
  }
  return "?";
}

const EVP_MD* ScramDigest(SaslMechanism m) {
  switch (m) {
    case SaslMechanism::kScramSha256: return EVP_sha256();
    case SaslMechanism::kScramSha512: return EVP_sha512();
    default: return nullptr;
  }
}

bool ParsePlainMessage(std::string_view msg, std::string_view* authzid, std::string_view* user,
                       std::string_view* password) {
  const size_t a = msg.find('\0');
  if (a == std::string_view::npos) return false;
  const size_t b = msg.find('\0', a + 1);
  if (b == std::string_view::npos) return false;
  *authzid = msg.substr(0, a);
  *user = msg.substr(a + 1, b - a - 1);
  *password = msg.substr(b + 1);
  // RFC 4616: authcid and passwd are non-empty and hold no NUL.
  return !user->empty() && !password->empty() && password->find('\0') == std::string_view::npos;
}

Result<std::shared_ptr<const SaslUsers>> SaslUsers::Parse(std::string_view spec,
                                                          std::vector<SaslMechanism> mechanisms) {
  auto users = std::make_shared<SaslUsers>();
  users->mechanisms_ = std::move(mechanisms);
  size_t index = 0;
  while (!spec.empty()) {
    const size_t comma = spec.find(',');
    std::string_view item = spec.substr(0, comma);
    spec.remove_prefix(comma == std::string_view::npos ? spec.size() : comma + 1);
    ++index;
    const size_t colon = item.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == item.size()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "entry " + std::to_string(index) + " is not user:password (both non-empty)");
    }
    std::string name(item.substr(0, colon));
    std::string_view password = item.substr(colon + 1);
    User u;
    u.plain_digest = Sha256(password);
    for (SaslMechanism m : users->mechanisms_) {
      if (m == SaslMechanism::kScramSha256) u.scram256 = MakeScramCredential(EVP_sha256(), password, RandomSalt(), kScramIterations);
      if (m == SaslMechanism::kScramSha512) u.scram512 = MakeScramCredential(EVP_sha512(), password, RandomSalt(), kScramIterations);
    }
    if (!users->users_.emplace(name, std::move(u)).second) {
      return MakeError(ErrorCode::kInvalidArgument, "user '" + name + "' is listed twice");
    }
  }
  if (users->users_.empty()) return MakeError(ErrorCode::kInvalidArgument, "no users");
  return std::shared_ptr<const SaslUsers>(std::move(users));
}

bool SaslUsers::Enabled(SaslMechanism m) const {
  return std::find(mechanisms_.begin(), mechanisms_.end(), m) != mechanisms_.end();
}

bool SaslUsers::CheckPlain(std::string_view user, std::string_view password) const {
  static const std::string kNobody = Sha256("\x01 no such user \x01");
  auto it = users_.find(user);
  const std::string& want = it == users_.end() ? kNobody : it->second.plain_digest;
  const std::string got = Sha256(password);
  const bool same = CRYPTO_memcmp(got.data(), want.data(), got.size()) == 0;
  return same && it != users_.end() && Enabled(SaslMechanism::kPlain);
}

const ScramCredential* SaslUsers::Scram(SaslMechanism m, std::string_view user) const {
  if (!Enabled(m)) return nullptr;
  auto it = users_.find(user);
  if (it == users_.end()) return nullptr;
  if (m == SaslMechanism::kScramSha256) return &it->second.scram256;
  if (m == SaslMechanism::kScramSha512) return &it->second.scram512;
  return nullptr;
}

}  // namespace pinpipe::kafka
