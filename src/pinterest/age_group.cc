#include "pinterest/age_group.h"

namespace pinpipe::pinterest {

std::string_view AgeGroupName(int group) {
  static constexpr std::string_view kNames[] = {"18-24", "25-35", "36-50", "+50"};
  return group >= 0 && group < kAgeGroupCount ? kNames[group] : std::string_view();
}

}  // namespace pinpipe::pinterest
