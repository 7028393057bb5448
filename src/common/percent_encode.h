// Percent-encoding of URI components (RFC 3986 §2.1): every byte but the unreserved
// [A-Za-z0-9-._~] becomes %XX with uppercase hex, as AWS SigV4's UriEncode and a REST path
// segment both want.
#pragma once

#include <string>
#include <string_view>

namespace pinpipe {

// `keep_slash`: '/' stays as it is (an object key's path), else it is %2F (one segment).
std::string PercentEncode(std::string_view in, bool keep_slash = false);

}  // namespace pinpipe
