#include "common/rate_limited_log.h"
#include "common/mutex.h"

namespace pinpipe {

bool LogRateLimiter::Allow(int64_t now_ms, uint64_t* suppressed) {
  MutexLock lock(mu_);
  if (window_start_ == INT64_MIN || now_ms - window_start_ >= interval_ms_) {
    window_start_ = now_ms;
    in_window_ = 0;
  }
  if (in_window_ >= burst_) {
    ++suppressed_;
    return false;
  }
  ++in_window_;
  *suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

}  // namespace pinpipe
