// Group administration that spans the two halves of a consumer group: its membership (the
// GroupCoordinator, in memory) and its committed offsets (the log's OffsetStore, durable,
// shared with the REST Proxy's consumers). Kafka's DeleteGroups; front ends (the Kafka
// handler, the CLI, the dashboard) call this rather than either half alone.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace pinpipe::log {
class OffsetStore;
}

namespace pinpipe::groups {

class GroupCoordinator;

struct GroupDeletion {
  int16_t error = 0;  // Kafka's error code (0 = deleted)
  std::string message;  // why, when error != 0
};

// Whether a front end other than the coordinator has live members in a group (the REST
// Proxy's consumer instances); null = none.
using OtherMembers = std::function<bool(const std::string& group)>;

// Deletes a group: refused with NON_EMPTY_GROUP while it has members (coordinator members or
// `other_members`), GROUP_ID_NOT_FOUND when neither the coordinator nor the offset store knows
// it, INVALID_GROUP_ID for an empty name. Otherwise the coordinator forgets it and its
// committed offsets are removed durably (OffsetStore::DeleteGroup: fsynced before this
// returns); a failed write is UNKNOWN_SERVER_ERROR with the store's message.
GroupDeletion DeleteGroup(GroupCoordinator& coordinator, log::OffsetStore& offsets,
                          const std::string& group, const OtherMembers& other_members = nullptr);

}  // namespace pinpipe::groups
