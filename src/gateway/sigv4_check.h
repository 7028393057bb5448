// SigV4 on Kinesis requests (protocols.md §2.1): the Authorization header is always parsed
// (a malformed one is 403 IncompleteSignatureException, as AWS and kinesalite answer); when
// credentials are configured the signature is recomputed with objstore's signer (which passes
// AWS's test suite) and compared in constant time.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/request.h"

namespace pinpipe::gateway {

struct SigV4Problem {
  int status = 403;
  std::string type;
  std::string message;
};

struct ParsedAuthorization {
  std::string access_key_id, date, region, service;
  std::string signed_headers;  // "host;x-amz-date"
  std::string signature;       // hex
};

// nullopt when `value` is not a well-formed AWS4-HMAC-SHA256 Authorization value.
std::optional<ParsedAuthorization> ParseAuthorization(std::string_view value);

// nullopt when the request may proceed.
std::optional<SigV4Problem> CheckSigV4(const http::Request& req, std::string_view access_key_id,
                                       std::string_view secret_access_key);

}  // namespace pinpipe::gateway
