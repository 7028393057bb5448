// CountedMedian: the exact median of a growing multiset of int32 values, kept as a counted
// value map (value -> count, ordered) plus a cursor on the value that holds the lower median,
// so its size is bounded by the distinct values, not by the values added (RunningMedian keeps
// every value: 4 bytes each). Add is O(log d) for d distinct values (the map insert; the
// cursor moves at most one value per Add); both medians are O(1).
//
// Invariant (n > 0): below_ = the number of values < mid_->first, and the lower median's rank
// L = ceil(n/2) - 1 = (n - 1) / 2 satisfies below_ <= L < below_ + mid_->second. One Add moves
// L by 0 or 1 and below_ by 0 or 1, so one step of the cursor restores it.
// The interpolated median is the same arithmetic as pinterest::InterpolatedMedian (bit-equal).
#pragma once

#include <cstdint>
#include <iterator>
#include <map>
#include <optional>

namespace pinpipe::live {

class CountedMedian {
 public:
  CountedMedian() = default;
  // The cursor is an iterator into counts_: a copy re-finds it in its own map; a move keeps it
  // (std::map's move keeps iterators valid, now into the new map).
  CountedMedian(const CountedMedian& o) : counts_(o.counts_), n_(o.n_), below_(o.below_) {
    if (n_) mid_ = counts_.find(o.mid_->first);
  }
  CountedMedian(CountedMedian&& o) noexcept
      : counts_(std::move(o.counts_)), n_(o.n_), mid_(o.mid_), below_(o.below_) {
    o.n_ = 0;
    o.below_ = 0;
    o.counts_.clear();
  }
  CountedMedian& operator=(const CountedMedian&) = delete;
  CountedMedian& operator=(CountedMedian&&) = delete;

  void Add(int32_t v) {
    auto [it, inserted] = counts_.try_emplace(v, 0);
    ++it->second;
    if (++n_ == 1) {
      mid_ = it;
      below_ = 0;
      return;
    }
    if (v < mid_->first) ++below_;
    const uint64_t lower_rank = (n_ - 1) / 2;
    if (lower_rank < below_) {
      --mid_;
      below_ -= mid_->second;
    } else if (lower_rank >= below_ + mid_->second) {
      below_ += mid_->second;
      ++mid_;
    }
  }
  uint64_t size() const { return n_; }
  size_t distinct() const { return counts_.size(); }

  std::optional<int32_t> Lower() const {
    if (n_ == 0) return std::nullopt;
    return mid_->first;
  }
  std::optional<double> Interpolated() const {
    if (n_ == 0) return std::nullopt;
    const double lo = mid_->first;
    if (n_ % 2 == 1) return lo;
    // sorted[n/2] = rank L + 1: still in mid_'s run, or the next value's first.
    const uint64_t upper_rank = n_ / 2;
    const double hi = upper_rank < below_ + mid_->second ? mid_->first : std::next(mid_)->first;
    return lo + (hi - lo) * 0.5;
  }

 private:
  std::map<int32_t, uint64_t> counts_;
  uint64_t n_ = 0;
  std::map<int32_t, uint64_t>::const_iterator mid_{};
  uint64_t below_ = 0;  // values < mid_->first
};

}  // namespace pinpipe::live
