#include "groups/group_admin.h"

#include "groups/group_coordinator.h"
#include "log/offset_store.h"

namespace pinpipe::groups {
namespace {
constexpr int16_t kNone = 0;
constexpr int16_t kUnknownServerError = -1;
constexpr int16_t kInvalidGroupId = 24;
constexpr int16_t kNonEmptyGroup = 68;
constexpr int16_t kGroupIdNotFound = 69;
}  // namespace

GroupDeletion DeleteGroup(GroupCoordinator& coordinator, log::OffsetStore& offsets,
                          const std::string& group, const OtherMembers& other_members) {
  if (group.empty()) return {kInvalidGroupId, "the group id is empty"};
  if (other_members && other_members(group)) {
    return {kNonEmptyGroup, "the group has REST Proxy consumer instances"};
  }
  const int16_t membership = coordinator.DeleteGroup(group);
  if (membership == kNonEmptyGroup) return {kNonEmptyGroup, "the group is not empty"};
  // A group the coordinator does not know (after a restart, or one only the REST Proxy used)
  // still exists while it has committed offsets, as an Empty group.
  if (membership == kGroupIdNotFound && offsets.FetchAll(group).empty()) {
    return {kGroupIdNotFound, "the group does not exist"};
  }
  if (Status st = offsets.DeleteGroup(group); !st) {
    return {kUnknownServerError, "deleting the group's offsets failed: " + st.error().message()};
  }
  return {kNone, {}};
}

}  // namespace pinpipe::groups
