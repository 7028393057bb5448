// RunningMedian: the exact median of a growing multiset of int32 values, in O(log n) per
// insert and O(1) per query — two heaps, `low_` (a max-heap of the ceil(n/2) smallest values)
// and `high_` (a min-heap of the rest). The lower median sorted[ceil(n/2) - 1] is low_'s top;
// the interpolated median of an even count also needs sorted[n/2], high_'s top. Values are
// only ever added: the live view is rebuilt, never decremented, when the batch boundary moves.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace pinpipe::live {

class RunningMedian {
 public:
  void Add(int32_t v) {
    if (low_.empty() || v <= low_.front()) {
      low_.push_back(v);
      std::push_heap(low_.begin(), low_.end());
    } else {
      high_.push_back(v);
      std::push_heap(high_.begin(), high_.end(), std::greater<>());
    }
    // Rebalance: |low_| == ceil(n/2).
    if (low_.size() > high_.size() + 1) {
      std::pop_heap(low_.begin(), low_.end());
      high_.push_back(low_.back());
      low_.pop_back();
      std::push_heap(high_.begin(), high_.end(), std::greater<>());
    } else if (high_.size() > low_.size()) {
      std::pop_heap(high_.begin(), high_.end(), std::greater<>());
      low_.push_back(high_.back());
      high_.pop_back();
      std::push_heap(low_.begin(), low_.end());
    }
  }
  size_t size() const { return low_.size() + high_.size(); }

  std::optional<int32_t> Lower() const {
    if (low_.empty()) return std::nullopt;
    return low_.front();
  }
  // The same arithmetic as pinterest::InterpolatedMedian, so the doubles are bit-equal.
  std::optional<double> Interpolated() const {
    if (low_.empty()) return std::nullopt;
    const double lo = low_.front();
    if (size() % 2 == 1) return lo;
    const double hi = high_.front();
    return lo + (hi - lo) * 0.5;
  }

 private:
  std::vector<int32_t> low_, high_;
};

}  // namespace pinpipe::live
