#include "gateway/sigv4_check.h"

#include <openssl/crypto.h>

#include <vector>

#include "objstore/sha256.h"
#include "objstore/sigv4.h"

namespace pinpipe::gateway {
namespace {

std::string_view TrimWs(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

}  // namespace

std::optional<ParsedAuthorization> ParseAuthorization(std::string_view v) {
  constexpr std::string_view kAlgo = "AWS4-HMAC-SHA256 ";
  if (!v.starts_with(kAlgo)) return std::nullopt;
  ParsedAuthorization a;
  bool cred = false, sh = false, sig = false;
  for (std::string_view part : Split(v.substr(kAlgo.size()), ',')) {
    part = TrimWs(part);
    if (part.starts_with("Credential=")) {
      auto scope = Split(part.substr(11), '/');
      if (scope.size() != 5 || scope[0].empty() || scope[1].size() != 8 || scope[4] != "aws4_request") return std::nullopt;
      a.access_key_id = scope[0];
      a.date = scope[1];
      a.region = scope[2];
      a.service = scope[3];
      cred = true;
    } else if (part.starts_with("SignedHeaders=")) {
      a.signed_headers = part.substr(14);
      sh = !a.signed_headers.empty();
    } else if (part.starts_with("Signature=")) {
      a.signature = part.substr(10);
      sig = a.signature.size() == 64;
    }
  }
  if (!cred || !sh || !sig) return std::nullopt;
  return a;
}

std::optional<SigV4Problem> CheckSigV4(const http::Request& req, std::string_view access_key_id,
                                       std::string_view secret_access_key) {
  const bool verify = !access_key_id.empty() && !secret_access_key.empty();
  if (!req.HasHeader("Authorization")) {
    if (!verify) return std::nullopt;
    return SigV4Problem{403, "MissingAuthenticationTokenException", "Missing Authentication Token"};
  }
  auto auth = ParseAuthorization(req.Header("Authorization"));
  if (!auth) {
    return SigV4Problem{403, "IncompleteSignatureException",
                        "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters "
                        "of the form AWS4-HMAC-SHA256 Credential=.../aws4_request, SignedHeaders=..., Signature=..."};
  }
  if (!verify) return std::nullopt;
  if (auth->access_key_id != access_key_id) {
    return SigV4Problem{400, "UnrecognizedClientException", "The security token included in the request is invalid."};
  }
  std::string_view amz_date = req.Header("X-Amz-Date");
  if (amz_date.size() != 16 || amz_date.substr(0, 8) != auth->date) {
    return SigV4Problem{400, "IncompleteSignatureException", "Date must be in ISO-8601 'basic format' and match the credential scope."};
  }
  objstore::SigningRequest s;
  s.method = std::string(req.method);
  s.canonical_uri = std::string(req.path.empty() ? "/" : req.path);
  if (!req.query.empty()) {
    for (std::string_view kv : Split(req.query, '&')) {
      if (kv.empty()) continue;
      auto eq = kv.find('=');
      auto name = http::PercentDecode(kv.substr(0, eq), false);
      auto value = http::PercentDecode(eq == std::string_view::npos ? "" : kv.substr(eq + 1), false);
      if (name && value) s.query.emplace_back(*name, *value);
    }
  }
  for (std::string_view name : Split(auth->signed_headers, ';')) {
    for (const auto& h : req.headers) {
      if (http::EqualsIgnoreCase(h.name, name)) s.headers.emplace_back(std::string(name), std::string(h.value));
    }
  }
  std::string_view content_sha = req.Header("X-Amz-Content-Sha256");
  s.payload_hash = content_sha.empty() ? objstore::Sha256Hex(req.body) : std::string(content_sha);
  objstore::AwsCredentials creds{std::string(access_key_id), std::string(secret_access_key), ""};
  auto signed_req = objstore::SignV4(s, creds, amz_date, auth->region, auth->service);
  if (signed_req.signature.size() != auth->signature.size() ||
      CRYPTO_memcmp(signed_req.signature.data(), auth->signature.data(), auth->signature.size()) != 0) {
    return SigV4Problem{400, "InvalidSignatureException",
                        "The request signature we calculated does not match the signature you provided. Check "
                        "your AWS Secret Access Key and signing method. Consult the service documentation for details."};
  }
  return std::nullopt;
}

}  // namespace pinpipe::gateway
