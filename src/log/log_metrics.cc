#include "log/log_metrics.h"

#include <cstdio>

namespace pinpipe::log {

void LatencyHistogram::Record(uint64_t nanos) {
  double s = static_cast<double>(nanos) / 1e9;
  size_t i = 0;
  while (i < kBounds.size() && s > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(nanos, std::memory_order_relaxed);
}

void LatencyHistogram::Render(std::string& out, const char* name, const char* labels) const {
  char line[320];
  const bool labelled = labels != nullptr && *labels != '\0';
  const char* l = labelled ? labels : "";
  const char* sep = labelled ? "," : "";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    if (i < kBounds.size()) {
      std::snprintf(line, sizeof line, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, l, sep, kBounds[i],
                    static_cast<unsigned long long>(cumulative));
    } else {
      std::snprintf(line, sizeof line, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, l, sep,
                    static_cast<unsigned long long>(cumulative));
    }
    out += line;
  }
  const char* open = labelled ? "{" : "";
  const char* close = labelled ? "}" : "";
  std::snprintf(line, sizeof line, "%s_sum%s%s%s %.9f\n%s_count%s%s%s %llu\n", name, open, l, close,
                static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9, name, open, l, close,
                static_cast<unsigned long long>(count_.load(std::memory_order_relaxed)));
  out += line;
}

}  // namespace pinpipe::log
