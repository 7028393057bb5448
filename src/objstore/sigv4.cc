#include "objstore/sigv4.h"

#include <algorithm>
#include <ctime>
#include <map>

#include "objstore/sha256.h"

namespace pinpipe::objstore {

std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(query.size());
  for (const auto& [k, v] : query) enc.emplace_back(UriEncode(k, false), UriEncode(v, false));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

std::string AmzDate(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

namespace {

// Trims the value and collapses runs of spaces to one (the suite's get-header-value-trim).
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

SignedRequest SignV4(const SigningRequest& req, const AwsCredentials& creds,
                     std::string_view amz_date, std::string_view region,
                     std::string_view service) {
  // Lower-cased names, duplicate headers joined with ',' in the order given, sorted by name.
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : req.headers) {
    std::string lower(name);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto [it, fresh] = headers.try_emplace(lower, CanonicalHeaderValue(value));
    if (!fresh) {
      it->second += ',';
      it->second += CanonicalHeaderValue(value);
    }
  }
  SignedRequest out;
  std::string canonical_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name;
    canonical_headers += ':';
    canonical_headers += value;
    canonical_headers += '\n';
    if (!out.signed_headers.empty()) out.signed_headers += ';';
    out.signed_headers += name;
  }
  out.canonical_request = req.method + "\n" + req.canonical_uri + "\n" +
                          CanonicalQuery(req.query) + "\n" + canonical_headers + "\n" +
                          out.signed_headers + "\n" + req.payload_hash;

  std::string_view date = amz_date.substr(0, 8);
  std::string scope = std::string(date) + "/" + std::string(region) + "/" +
                      std::string(service) + "/aws4_request";
  out.string_to_sign = "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + scope + "\n" +
                       Sha256Hex(out.canonical_request);

  auto as_view = [](const Digest256& d) {
    return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
  };
  Digest256 k_date = HmacSha256("AWS4" + creds.secret_access_key, date);
  Digest256 k_region = HmacSha256(as_view(k_date), region);
  Digest256 k_service = HmacSha256(as_view(k_region), service);
  Digest256 k_signing = HmacSha256(as_view(k_service), "aws4_request");
  out.signature = HexLower(HmacSha256(as_view(k_signing), out.string_to_sign));
  out.authorization = "AWS4-HMAC-SHA256 Credential=" + creds.access_key_id + "/" + scope +
                      ", SignedHeaders=" + out.signed_headers + ", Signature=" + out.signature;
  return out;
}

}  // namespace pinpipe::objstore
