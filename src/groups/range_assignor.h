// Kafka's RangeAssignor ("range"), for groups whose leader pinpipe runs (a REST Proxy
// consumer): per topic, the members subscribed to it sorted by member id; each gets
// partitions/members consecutive partitions and the first partitions%members one more.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "groups/consumer_protocol.h"

namespace pinpipe::groups {

// members: (member id, its Subscription bytes), as JoinGroup hands them to the leader.
// partition_count: a topic's partitions (0 or less: unknown, nothing assigned).
// Returns (member id, Assignment bytes) for every member, in SyncGroup's shape; a member whose
// metadata does not decode subscribes to nothing.
std::vector<std::pair<std::string, std::string>> RangeAssign(
    const std::vector<std::pair<std::string, std::string>>& members,
    const std::function<int32_t(const std::string& topic)>& partition_count);

}  // namespace pinpipe::groups
