// SCRAM (RFC 5802; SHA-256/512 per RFC 7677 and Kafka's KIP-84), the server side. The
// credential is what a server stores (salt, iterations, StoredKey, ServerKey), derived once
// from the configured password by PBKDF2 (MakeScramCredential, at listener start: 4096
// iterations of SHA-512 cost milliseconds, which must not run on the reactor). A ScramServer
// then runs one exchange with a few HMACs and hashes:
//   client-first  "n,,n=<user>,r=<cnonce>[,ext…]"  → server-first "r=<cnonce+snonce>,s=<salt>,i=<n>"
//   client-final  "c=biws,r=<nonce>,p=<proof>"      → server-final "v=<ServerSignature>"
// The proof is checked with CRYPTO_memcmp (constant time). Channel binding is not offered
// (gs2 header "n" or "y" only); Kafka's "tokenauth" extension (delegation tokens) is refused.
// As Kafka's broker, the client-final nonce must end with the server-first nonce (librdkafka
// 2.0 repeats its client nonce in front).
#pragma once

#include <functional>
#include <string>
#include <string_view>

typedef struct evp_md_st EVP_MD;

namespace pinpipe::kafka {

struct ScramCredential {
  std::string salt;        // raw bytes
  int iterations = 4096;
  std::string stored_key;  // H(ClientKey)
  std::string server_key;  // HMAC(SaltedPassword, "Server Key")
};

// SaltedPassword = PBKDF2-HMAC(password, salt, iterations); the keys from it (RFC 5802 §3).
ScramCredential MakeScramCredential(const EVP_MD* md, std::string_view password, std::string_view salt,
                                    int iterations);

std::string Base64Encode(std::string_view raw);
// False for anything that is not canonical padded base64.
bool Base64Decode(std::string_view text, std::string* raw);

class ScramServer {
 public:
  // Finds a user's credential (nullptr: unknown user). Called once, on client-first.
  using Lookup = std::function<const ScramCredential*(std::string_view user)>;
  // `server_nonce`: printable, without ','; tests pass RFC vectors' nonces.
  ScramServer(const EVP_MD* md, Lookup lookup, std::string server_nonce);

  enum class Step { kContinue, kDone, kFailed };
  // Feeds the client's next message; *out is the server's next message (kContinue, kDone) or
  // the reason (kFailed: the exchange is over).
  Step Next(std::string_view client_message, std::string* out);
  // The authenticated (decoded) user name, once kDone.
  const std::string& user() const { return user_; }

 private:
  Step First(std::string_view msg, std::string* out);
  Step Final(std::string_view msg, std::string* out);

  const EVP_MD* md_;
  Lookup lookup_;
  std::string server_nonce_;
  int state_ = 0;  // 0 = expecting client-first, 1 = client-final, 2 = done/failed
  std::string user_;
  const ScramCredential* cred_ = nullptr;
  std::string client_first_bare_, server_first_, nonce_, gs2_header_;
};

}  // namespace pinpipe::kafka
