#include "kafka/api_versions.h"

#include <algorithm>
#include <array>

namespace pinpipe::kafka {
namespace {

constexpr std::array kApis = {
    ApiRange{kProduce, 3, 7},         ApiRange{kFetch, 4, 18},
    ApiRange{kListOffsets, 0, 2},     ApiRange{kMetadata, 0, 12},
    ApiRange{kOffsetCommit, 2, 2},    ApiRange{kOffsetFetch, 1, 5},
    ApiRange{kFindCoordinator, 0, 2}, ApiRange{kJoinGroup, 0, 2},
    ApiRange{kHeartbeat, 0, 2},       ApiRange{kLeaveGroup, 0, 2},
    ApiRange{kSyncGroup, 0, 2},       ApiRange{kDescribeGroups, 0, 2},
    ApiRange{kListGroups, 0, 5},      ApiRange{kSaslHandshake, 0, 1},
    ApiRange{kApiVersions, 0, 3},
    ApiRange{kCreateTopics, 0, 4},    ApiRange{kDeleteTopics, 1, 3},
    ApiRange{kInitProducerId, 0, 1},  ApiRange{kOffsetForLeaderEpoch, 3, 4},
    ApiRange{kDescribeConfigs, 1, 4}, ApiRange{kAlterConfigs, 0, 2},
    ApiRange{kSaslAuthenticate, 0, 2}, ApiRange{kCreatePartitions, 0, 1},
    ApiRange{kDeleteGroups, 0, 3},    ApiRange{kIncrementalAlterConfigs, 0, 1},
    ApiRange{kDescribeCluster, 0, 0},
};

struct FlexInfo {
  int16_t key;
  int16_t first_flexible;
  const char* name;
};

// First flexible version per API (Kafka's message JSON "flexibleVersions").
constexpr std::array kFlex = {
    FlexInfo{0, 9, "Produce"},          FlexInfo{1, 12, "Fetch"},
    FlexInfo{2, 6, "ListOffsets"},      FlexInfo{3, 9, "Metadata"},
    FlexInfo{8, 8, "OffsetCommit"},     FlexInfo{9, 6, "OffsetFetch"},
    FlexInfo{10, 3, "FindCoordinator"}, FlexInfo{11, 6, "JoinGroup"},
    FlexInfo{12, 4, "Heartbeat"},       FlexInfo{13, 4, "LeaveGroup"},
    FlexInfo{14, 4, "SyncGroup"},       FlexInfo{15, 5, "DescribeGroups"},
    FlexInfo{16, 3, "ListGroups"},      FlexInfo{17, 32767, "SaslHandshake"},
    FlexInfo{18, 3, "ApiVersions"},     FlexInfo{19, 5, "CreateTopics"},
    FlexInfo{20, 4, "DeleteTopics"},    FlexInfo{21, 2, "DeleteRecords"},
    FlexInfo{22, 2, "InitProducerId"},
    FlexInfo{23, 4, "OffsetForLeaderEpoch"},
    FlexInfo{32, 4, "DescribeConfigs"},
    FlexInfo{33, 2, "AlterConfigs"},    FlexInfo{36, 2, "SaslAuthenticate"},
    FlexInfo{37, 2, "CreatePartitions"}, FlexInfo{42, 2, "DeleteGroups"},
    FlexInfo{44, 1, "IncrementalAlterConfigs"}, FlexInfo{60, 0, "DescribeCluster"},
    FlexInfo{75, 0, "DescribeTopicPartitions"},
};

const FlexInfo* FindFlex(int16_t key) {
  for (const auto& f : kFlex) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

}  // namespace

std::span<const ApiRange> SupportedApis() { return kApis; }

const ApiRange* FindApi(int16_t key) {
  auto it = std::find_if(kApis.begin(), kApis.end(), [key](const ApiRange& a) { return a.key == key; });
  return it == kApis.end() ? nullptr : &*it;
}

bool IsFlexible(int16_t key, int16_t version) {
  const FlexInfo* f = FindFlex(key);
  return f != nullptr && version >= f->first_flexible;
}

const char* ApiName(int16_t key) {
  const FlexInfo* f = FindFlex(key);
  return f ? f->name : "Unknown";
}

}  // namespace pinpipe::kafka
