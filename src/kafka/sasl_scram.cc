#include "kafka/sasl_scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>

namespace pinpipe::kafka {
namespace {

std::string Hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Hash(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

// saslname (RFC 5802 §5.1): ',' and '=' travel as "=2C" and "=3D"; any other '=' is malformed.
bool DecodeSaslName(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '=') {
      if (in[i] == ',') return false;
      out->push_back(in[i]);
      continue;
    }
    std::string_view esc = in.substr(i + 1, 2);
    if (esc == "2C") out->push_back(',');
    else if (esc == "3D") out->push_back('=');
    else return false;
    i += 2;
  }
  return !out->empty();
}

// Splits "k=v,k=v,…" lazily: the next attribute's letter and value.
bool NextAttr(std::string_view& rest, char* key, std::string_view* value) {
  if (rest.size() < 2 || rest[1] != '=') return false;
  *key = rest[0];
  const size_t comma = rest.find(',');
  *value = rest.substr(2, comma == std::string_view::npos ? std::string_view::npos : comma - 2);
  rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
  return true;
}

bool Printable(std::string_view s) {
  for (char c : s) {
    if (c < 0x21 || c > 0x7e || c == ',') return false;
  }
  return !s.empty();
}

}  // namespace

ScramCredential MakeScramCredential(const EVP_MD* md, std::string_view password, std::string_view salt,
                                    int iterations) {
  unsigned char salted[EVP_MAX_MD_SIZE];
  const int len = EVP_MD_get_size(md);
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                    iterations, md, len, salted);
  std::string_view salted_password(reinterpret_cast<char*>(salted), static_cast<size_t>(len));
  ScramCredential c;
  c.salt = std::string(salt);
  c.iterations = iterations;
  c.stored_key = Hash(md, Hmac(md, salted_password, "Client Key"));
  c.server_key = Hmac(md, salted_password, "Server Key");
  OPENSSL_cleanse(salted, sizeof salted);
  return c;
}

std::string Base64Encode(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool Base64Decode(std::string_view text, std::string* raw) {
  if (text.size() % 4 != 0) return false;
  for (char c : text) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '/' || c == '=')) {
      return false;  // EVP_DecodeBlock skips whitespace; SCRAM has none
    }
  }
  raw->assign(3 * text.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw->data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return false;
  // EVP_DecodeBlock counts padding as zero bytes.
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++pad;
  raw->resize(static_cast<size_t>(n) - pad);
  return true;
}

ScramServer::ScramServer(const EVP_MD* md, Lookup lookup, std::string server_nonce)
    : md_(md), lookup_(std::move(lookup)), server_nonce_(std::move(server_nonce)) {}

ScramServer::Step ScramServer::Next(std::string_view msg, std::string* out) {
  Step s = Step::kFailed;
  if (state_ == 0) s = First(msg, out);
  else if (state_ == 1) s = Final(msg, out);
  else *out = "unexpected message after the exchange ended";
  state_ = s == Step::kContinue ? state_ + 1 : 2;
  return s;
}

ScramServer::Step ScramServer::First(std::string_view msg, std::string* out) {
  // gs2-header: "n," or "y," (no channel binding), then an optional "a=<authzid>" and ",".
  if (msg.size() < 3 || (msg[0] != 'n' && msg[0] != 'y') || msg[1] != ',') {
    *out = "malformed client-first message (channel binding is not supported)";
    return Step::kFailed;
  }
  const size_t second = msg.find(',', 2);
  if (second == std::string_view::npos) {
    *out = "malformed client-first message";
    return Step::kFailed;
  }
  std::string_view authzid = msg.substr(2, second - 2);
  gs2_header_ = std::string(msg.substr(0, second + 1));
  client_first_bare_ = std::string(msg.substr(second + 1));
  std::string_view rest = client_first_bare_;
  char key = 0;
  std::string_view user, cnonce;
  if (!NextAttr(rest, &key, &user) || key != 'n' || !DecodeSaslName(user, &user_) ||
      !NextAttr(rest, &key, &cnonce) || key != 'r' || !Printable(cnonce)) {
    *out = "malformed client-first message";
    return Step::kFailed;
  }
  // Extensions (KIP-84): only Kafka's tokenauth is defined, for delegation tokens (none here).
  std::string_view value;
  while (!rest.empty()) {
    if (!NextAttr(rest, &key, &value)) {
      // An extension's name is longer than one letter: "tokenauth=true".
      if (rest.starts_with("tokenauth=")) {
        *out = "delegation tokens are not supported";
        return Step::kFailed;
      }
      const size_t comma = rest.find(',');
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
      continue;
    }
    if (key == 'm') {
      *out = "mandatory extension not supported";
      return Step::kFailed;
    }
  }
  if (!authzid.empty()) {
    std::string az;
    if (!authzid.starts_with("a=") || !DecodeSaslName(authzid.substr(2), &az) || az != user_) {
      *out = "authorization id differs from the user name";
      return Step::kFailed;
    }
  }
  cred_ = lookup_(user_);
  if (cred_ == nullptr) {
    *out = "unknown user";
    return Step::kFailed;
  }
  nonce_ = std::string(cnonce) + server_nonce_;
  server_first_ = "r=" + nonce_ + ",s=" + Base64Encode(cred_->salt) + ",i=" + std::to_string(cred_->iterations);
  *out = server_first_;
  return Step::kContinue;
}

ScramServer::Step ScramServer::Final(std::string_view msg, std::string* out) {
  const size_t p = msg.rfind(",p=");
  if (p == std::string_view::npos) {
    *out = "malformed client-final message";
    return Step::kFailed;
  }
  std::string_view without_proof = msg.substr(0, p);
  std::string proof;
  std::string_view rest = without_proof;
  char key = 0;
  std::string_view cbind, nonce;
  std::string cbind_raw;
  if (!NextAttr(rest, &key, &cbind) || key != 'c' || !Base64Decode(cbind, &cbind_raw) ||
      !NextAttr(rest, &key, &nonce) || key != 'r' || !Base64Decode(msg.substr(p + 3), &proof)) {
    *out = "malformed client-final message";
    return Step::kFailed;
  }
  // Kafka's broker accepts a nonce that ends with the server-first one: librdkafka sends its
  // client nonce again in front of the server's combined nonce.
  if (cbind_raw != gs2_header_ || !nonce.ends_with(nonce_)) {
    *out = "channel binding or nonce does not match";
    return Step::kFailed;
  }
  const std::string auth_message = client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
  std::string client_key = Hmac(md_, cred_->stored_key, auth_message);  // ClientSignature
  if (proof.size() != client_key.size()) {
    *out = "invalid proof";
    return Step::kFailed;
  }
  for (size_t i = 0; i < proof.size(); ++i) client_key[i] = static_cast<char>(client_key[i] ^ proof[i]);
  const std::string stored = Hash(md_, client_key);
  OPENSSL_cleanse(client_key.data(), client_key.size());
  if (stored.size() != cred_->stored_key.size() ||
      CRYPTO_memcmp(stored.data(), cred_->stored_key.data(), stored.size()) != 0) {
    *out = "invalid credentials";
    return Step::kFailed;
  }
  *out = "v=" + Base64Encode(Hmac(md_, cred_->server_key, auth_message));
  return Step::kDone;
}

}  // namespace pinpipe::kafka
