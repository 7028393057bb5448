#include "log/log_options.h"

#include <charconv>

namespace pinpipe::log {

Result<FlushPolicy> FlushPolicy::Parse(std::string_view text) {
  FlushPolicy p;
  if (text == "always") return p;
  if (text == "os") {
    p.mode = Mode::kOs;
    return p;
  }
  if (text.starts_with("interval:")) {
    std::string_view num = text.substr(9);
    int64_t ms = 0;
    auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), ms);
    if (ec == std::errc() && ptr == num.data() + num.size() && ms > 0) {
      p.mode = Mode::kInterval;
      p.interval_ms = ms;
      return p;
    }
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "flush policy '" + std::string(text) +
                       "' is not one of: always, interval:<ms> (ms > 0), os");
}

std::string FlushPolicy::ToString() const {
  switch (mode) {
    case Mode::kAlways: return "always";
    case Mode::kOs: return "os";
    case Mode::kInterval: return "interval:" + std::to_string(interval_ms);
  }
  return "always";
}

}  // namespace pinpipe::log
