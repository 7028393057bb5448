#include "pinterest/median.h"

#include <algorithm>
#include <string>

namespace pinpipe::pinterest {

Result<MedianMode> ParseMedianMode(std::string_view text) {
  if (text == "lower") return MedianMode::kLower;
  if (text == "interpolated") return MedianMode::kInterpolated;
  return MakeError(ErrorCode::kInvalidArgument,
                   "analytics.median must be 'lower' or 'interpolated', not '" +
                       std::string(text) + "'");
}

std::string_view MedianModeName(MedianMode mode) {
  return mode == MedianMode::kLower ? "lower" : "interpolated";
}

std::optional<int32_t> LowerMedian(std::span<int32_t> v) {
  if (v.empty()) return std::nullopt;
  const size_t k = (v.size() - 1) / 2;  // == ceil(n/2) - 1
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(k), v.end());
  return v[k];
}

std::optional<double> InterpolatedMedian(std::span<int32_t> v) {
  if (v.empty()) return std::nullopt;
  const size_t k = (v.size() - 1) / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(k), v.end());
  const double lo = v[k];
  if (v.size() % 2 == 1) return lo;
  const double hi = *std::min_element(v.begin() + static_cast<ptrdiff_t>(k) + 1, v.end());
  return lo + (hi - lo) * 0.5;
}

}  // namespace pinpipe::pinterest
