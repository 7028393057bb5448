// Age groups of the analytics: 18-24, 25-35, 36-50, +50 (ages over 50); other ages (and
// null) belong to no group.
#pragma once

#include <cstdint>
#include <string_view>

namespace pinpipe::pinterest {

inline constexpr int kNoAgeGroup = -1;
inline constexpr int kAgeGroupCount = 4;

// 0 "18-24", 1 "25-35", 2 "36-50", 3 "+50", or kNoAgeGroup.
inline int AgeGroupOf(int32_t age) {
  if (age >= 18 && age <= 24) return 0;
  if (age >= 25 && age <= 35) return 1;
  if (age >= 36 && age <= 50) return 2;
  if (age > 50) return 3;
  return kNoAgeGroup;
}

std::string_view AgeGroupName(int group);

}  // namespace pinpipe::pinterest
