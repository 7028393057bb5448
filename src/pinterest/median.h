// Medians of the analytics: the lower median sorted[ceil(n/2) - 1] (what Spark's
// percentile_approx(x, 0.5) returns, the default) or the interpolated median (SQL
// PERCENTILE_CONT(0.5)), selected by `analytics.median = lower | interpolated`.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/status.h"

namespace pinpipe::pinterest {

enum class MedianMode : uint8_t { kLower, kInterpolated };

Result<MedianMode> ParseMedianMode(std::string_view text);  // "lower" | "interpolated"
std::string_view MedianModeName(MedianMode mode);

// Both reorder `values` (nth_element); nullopt when empty.
std::optional<int32_t> LowerMedian(std::span<int32_t> values);
std::optional<double> InterpolatedMedian(std::span<int32_t> values);

}  // namespace pinpipe::pinterest
