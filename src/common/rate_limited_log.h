// LogRateLimiter: lets at most `burst` lines through per `interval_ms` and counts the rest, so
// a condition that repeats in a loop (EMFILE on accept, a corrupt batch read again and again)
// is reported without flooding the log. Error paths only; thread-safe.
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <utility>

#include "common/mutex.h"

namespace pinpipe {

class LogRateLimiter {
 public:
  explicit LogRateLimiter(uint32_t burst = 5, int64_t interval_ms = 10'000)
      : burst_(burst), interval_ms_(interval_ms) {}

  // True when a line may be written at `now_ms` (any monotonic clock); *suppressed receives
  // how many were refused since the last one allowed.
  bool Allow(int64_t now_ms, uint64_t* suppressed);
  bool Allow(uint64_t* suppressed) { return Allow(SteadyNowMs(), suppressed); }

  static int64_t SteadyNowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

 private:
  const uint32_t burst_;
  const int64_t interval_ms_;
  Mutex mu_;
  int64_t window_start_ GUARDED_BY(mu_) = INT64_MIN;
  uint32_t in_window_ GUARDED_BY(mu_) = 0;
  uint64_t suppressed_ GUARDED_BY(mu_) = 0;
};

// spdlog at `level` through `limiter`; the first line after a quiet spell says how many
// similar lines were dropped.
template <typename... Args>
void LogRateLimited(LogRateLimiter& limiter, spdlog::level::level_enum level,
                    spdlog::format_string_t<Args...> fmt, Args&&... args) {
  uint64_t suppressed = 0;
  if (!limiter.Allow(&suppressed)) return;
  if (suppressed > 0) spdlog::log(level, "({} similar messages suppressed)", suppressed);
  spdlog::log(level, fmt, std::forward<Args>(args)...);
}

}  // namespace pinpipe
