// AWS Signature Version 4 (header form), written from AWS's specification:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
// Checked against AWS's published test suite (tests/objstore/sigv4_test.cc).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/percent_encode.h"

namespace pinpipe::objstore {

// Never logged or printed (Describe() and error messages leave them out).
struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // optional (temporary credentials)
};

struct SigningRequest {
  std::string method;                                        // "GET"
  std::string canonical_uri;                                 // URI-encoded path, "/bucket/a%20b"
  std::vector<std::pair<std::string, std::string>> query;    // raw names and values
  std::vector<std::pair<std::string, std::string>> headers;  // headers to sign, as sent
  std::string payload_hash;  // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

struct SignedRequest {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;       // hex
  std::string signed_headers;  // "host;x-amz-date"
  std::string authorization;   // the Authorization header value
};

// amz_date is "YYYYMMDDTHHMMSSZ"; the scope date is its first 8 characters.
SignedRequest SignV4(const SigningRequest& req, const AwsCredentials& creds,
                     std::string_view amz_date, std::string_view region,
                     std::string_view service);

// RFC 3986 percent-encoding of everything but unreserved characters (A-Z a-z 0-9 - . _ ~);
// '/' is kept when `keep_slash` (paths) and encoded otherwise (query names and values).
inline std::string UriEncode(std::string_view s, bool keep_slash) { return PercentEncode(s, keep_slash); }
// The canonical query string: names and values encoded, sorted by name then value.
std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query);
// "YYYYMMDDTHHMMSSZ" in UTC.
std::string AmzDate(std::chrono::system_clock::time_point t);

inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

}  // namespace pinpipe::objstore
