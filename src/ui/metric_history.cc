#include "ui/metric_history.h"
#include "common/mutex.h"

#include <cmath>
#include <limits>

namespace pinpipe::ui {

namespace {
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
}

void MetricRing::Push(int64_t t, float v) {
  t -= t % step_s_;
  if (last_t_ >= 0 && t <= last_t_) return;
  if (last_t_ >= 0) {
    // Gaps become NaN, at most one ring's worth.
    int64_t missing = (t - last_t_) / step_s_ - 1;
    if (missing > static_cast<int64_t>(values_.size())) missing = static_cast<int64_t>(values_.size());
    for (int64_t i = 0; i < missing; ++i) {
      values_[head_] = kNaN;
      head_ = (head_ + 1) % values_.size();
      if (size_ < values_.size()) ++size_;
    }
  }
  values_[head_] = v;
  head_ = (head_ + 1) % values_.size();
  if (size_ < values_.size()) ++size_;
  last_t_ = t;
}

float MetricRing::At(size_t i) const {
  size_t start = (head_ + values_.size() - size_) % values_.size();
  return values_[(start + i) % values_.size()];
}

float MetricRing::Last() const { return size_ == 0 ? kNaN : At(size_ - 1); }

std::vector<std::pair<int64_t, float>> MetricRing::Since(int64_t since) const {
  std::vector<std::pair<int64_t, float>> out;
  if (size_ == 0) return out;
  const int64_t first_t = last_t_ - static_cast<int64_t>(size_ - 1) * step_s_;
  size_t i = 0;
  if (since > first_t) i = static_cast<size_t>((since - first_t + step_s_ - 1) / step_s_);
  if (i >= size_) return out;
  out.reserve(size_ - i);
  for (; i < size_; ++i) out.emplace_back(first_t + static_cast<int64_t>(i) * step_s_, At(i));
  return out;
}

void MetricHistory::Record(std::string_view name, int64_t t, double v) {
  MutexLock lock(mu_);
  auto it = series_.find(name);
  if (it == series_.end()) {
    if (series_.size() >= kMaxSeries) return;
    it = series_.emplace(std::string(name), Series{}).first;
  }
  Series& s = it->second;
  s.fine.Push(t, static_cast<float>(v));
  const int64_t minute = t - t % 60;
  if (s.minute != minute) {
    // The previous minute is complete: its mean goes into the coarse ring.
    if (s.count > 0) s.coarse.Push(s.minute, static_cast<float>(s.sum / s.count));
    s.minute = minute;
    s.sum = 0;
    s.count = 0;
  }
  if (std::isfinite(v)) {
    s.sum += v;
    ++s.count;
  }
  if (t > last_t_) last_t_ = t;
}

SeriesPoints MetricHistory::Query(std::string_view name, int64_t window_s, int64_t now) const {
  MutexLock lock(mu_);
  SeriesPoints out;
  auto it = series_.find(name);
  if (it == series_.end()) return out;
  const MetricRing& ring = window_s <= static_cast<int64_t>(kFineCapacity) ? it->second.fine : it->second.coarse;
  out.step = ring.step();
  out.points = ring.Since(now - window_s);
  return out;
}

std::map<std::string, float> MetricHistory::Latest(std::string_view prefix) const {
  MutexLock lock(mu_);
  std::map<std::string, float> out;
  for (auto it = series_.lower_bound(prefix); it != series_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    out.emplace(it->first, it->second.fine.Last());
  }
  return out;
}

std::vector<std::string> MetricHistory::Names() const {
  MutexLock lock(mu_);
  std::vector<std::string> out;
  out.reserve(series_.size());
  for (const auto& [k, v] : series_) out.push_back(k);
  return out;
}

int64_t MetricHistory::last_time() const {
  MutexLock lock(mu_);
  return last_t_;
}

}  // namespace pinpipe::ui
