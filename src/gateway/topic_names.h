// Topic name checks at the HTTP edge, with the message a user sees.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pinpipe::gateway {

// nullopt when valid; otherwise the error message (names: [a-zA-Z0-9._-]{1,249}, not . or ..).
std::optional<std::string> CheckTopicName(std::string_view topic);

}  // namespace pinpipe::gateway
