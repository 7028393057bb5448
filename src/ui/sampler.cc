#include "ui/sampler.h"

#include <chrono>
#include <cmath>
#include <limits>

#include "common/logging.h"
#include "common/mutex.h"

namespace pinpipe::ui {

Sampler::~Sampler() { Stop(); }

void Sampler::Start(int64_t interval_ms) {
  thread_ = std::thread([this, interval_ms] {
    UniqueMutexLock lock(mu_);
    while (!stop_) {
      lock.unlock();
      const auto now = std::chrono::system_clock::now();
      SampleOnce(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
      lock.lock();
      // Wake on the next whole interval so samples land on distinct seconds.
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
      const auto deadline = std::chrono::steady_clock::now() +
                            std::chrono::milliseconds(interval_ms - ms % interval_ms);
      while (!stop_ && cv_.WaitUntil(mu_, deadline)) {
      }
    }
  });
}

void Sampler::Stop() {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.NotifyAll();
  if (thread_.joinable()) thread_.join();
}

void Sampler::SampleOnce(int64_t now_s) {
  for (auto& src : sources_) {
    Sample s;
    try {
      src.fn(s);
    } catch (const std::exception& e) {
      // A source must not take the dashboard down; it just has no sample this second.
      spdlog::warn("ui: metric source {} failed: {}", src.name, e.what());
      continue;
    }
    for (auto& [name, v] : s.gauges_) history_.Record(name, now_s, v);
    for (auto& [name, total] : s.counters_) {
      auto it = prev_.find(name);
      if (it == prev_.end()) {
        if (last_pass_s_ < 0) {
          prev_.emplace(name, std::make_pair(now_s, total));
          continue;  // the first pass: a baseline, a rate needs two
        }
        // A counter that appears after the first pass (a new topic) started at zero since
        // the previous pass: its first records count.
        it = prev_.emplace(name, std::make_pair(last_pass_s_, 0.0)).first;
      }
      auto [t0, v0] = it->second;
      it->second = {now_s, total};
      if (now_s <= t0) continue;
      // A counter that went down was reset (a restarted component): no rate this second.
      if (total < v0) continue;
      history_.Record(name, now_s, (total - v0) / static_cast<double>(now_s - t0));
    }
  }
  last_pass_s_ = now_s;
  passes_.fetch_add(1, std::memory_order_release);
}

double QuantileFromBuckets(const std::vector<double>& bounds, const std::vector<uint64_t>& counts, double q) {
  uint64_t total = 0;
  for (uint64_t c : counts) total += c;
  if (total == 0 || bounds.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double rank = q * static_cast<double>(total);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const uint64_t before = cumulative;
    cumulative += counts[i];
    if (static_cast<double>(cumulative) >= rank && counts[i] > 0) {
      if (i >= bounds.size()) return bounds.back();
      const double lo = i == 0 ? 0.0 : bounds[i - 1];
      const double hi = bounds[i];
      return lo + (hi - lo) * (rank - static_cast<double>(before)) / static_cast<double>(counts[i]);
    }
  }
  return bounds.back();
}

}  // namespace pinpipe::ui
