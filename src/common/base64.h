// Standard base64 (RFC 4648 §4, with padding), as the REST Proxy's binary format uses.
#pragma once

#include <string>
#include <string_view>

namespace pinpipe {

// Appends the encoding of `in` to `out`.
void Base64Encode(std::string_view in, std::string& out);
// Appends the decoded bytes to `out`; false (and `out` unchanged) for invalid input:
// characters outside the alphabet, bad length, or misplaced padding.
bool Base64Decode(std::string_view in, std::string& out);

}  // namespace pinpipe
