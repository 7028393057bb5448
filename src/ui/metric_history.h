// MetricHistory: the dashboard's memory of every sampled metric, without Prometheus. Each
// series keeps two fixed-step rings of floats — 1 s resolution for an hour and 1 min
// resolution (the mean of that minute's samples) for a week — so memory is fixed (~55 KB per
// series) whatever the uptime. Timestamps are implicit (the ring's last time minus the step);
// a missed step is stored as NaN and rendered as a gap. Written by the sampler thread once a
// second, read by API threads: one mutex, held only to copy.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"

namespace pinpipe::ui {

// A ring of `capacity` values at a fixed step. Push(t, v) with t in whole steps.
class MetricRing {
 public:
  MetricRing(size_t capacity, int64_t step_s) : values_(capacity), step_s_(step_s) {}
  // Stores v at time t (seconds, rounded down to the step). Times between the previous push
  // and t are filled with NaN; a t not after the last is ignored (the clock went back).
  void Push(int64_t t, float v);
  size_t size() const { return size_; }
  size_t capacity() const { return values_.size(); }
  int64_t step() const { return step_s_; }
  int64_t last_time() const { return last_t_; }  // -1 when empty
  // The points with time >= since, oldest first, as (time, value).
  std::vector<std::pair<int64_t, float>> Since(int64_t since) const;
  float Last() const;  // NaN when empty

 private:
  float At(size_t i) const;  // i-th oldest
  std::vector<float> values_;
  int64_t step_s_;
  size_t head_ = 0;  // next write position
  size_t size_ = 0;
  int64_t last_t_ = -1;
};

struct SeriesPoints {
  int64_t step = 1;
  std::vector<std::pair<int64_t, float>> points;
};

class MetricHistory {
 public:
  static constexpr size_t kFineCapacity = 3600;     // 1 h at 1 s
  static constexpr size_t kCoarseCapacity = 10080;  // 7 d at 1 min
  static constexpr size_t kMaxSeries = 4096;        // new names beyond this are dropped

  // Records one sample at time t (unix seconds). Called by one thread (the sampler).
  void Record(std::string_view name, int64_t t, double v);
  // The last `window_s` seconds of a series from the ring whose resolution fits: the 1 s ring
  // for windows up to an hour, the 1 min ring beyond. Empty if unknown.
  SeriesPoints Query(std::string_view name, int64_t window_s, int64_t now) const;
  // The latest value of every series whose name starts with `prefix`.
  std::map<std::string, float> Latest(std::string_view prefix = {}) const;
  std::vector<std::string> Names() const;
  int64_t last_time() const;

 private:
  struct Series {
    MetricRing fine{kFineCapacity, 1};
    MetricRing coarse{kCoarseCapacity, 60};
    int64_t minute = -1;  // the minute being accumulated
    double sum = 0;
    int count = 0;
  };
  mutable Mutex mu_;
  std::map<std::string, Series, std::less<>> series_ GUARDED_BY(mu_);
  int64_t last_t_ GUARDED_BY(mu_) = -1;
};

}  // namespace pinpipe::ui
