// Minimal, fast JSON text building: appends to a caller-owned std::string (reused across
// requests, so no allocation once it is warm). No DOM.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pinpipe {

// Appends `s` as a JSON string literal (quotes included). Control characters, '"' and '\\'
// are escaped; other bytes (UTF-8) pass through unchanged.
void AppendJsonString(std::string& out, std::string_view s);
void AppendJsonInt(std::string& out, int64_t v);
// Shortest round-trip representation; NaN and infinities (not JSON) become null.
void AppendJsonDouble(std::string& out, double v);

}  // namespace pinpipe
