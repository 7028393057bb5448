// The API keys pinpipe's broker implements and the versions it advertises in ApiVersions. Only
// what is implemented is advertised; every range overlaps what Kafka 4.4's Java clients
// (KIP-896 dropped the oldest versions), librdkafka 2.0 and kafka-python 2.0 send
// (kafka.md §1.2). The older APIs' ranges stop below their first flexible version; ApiVersions
// v3, DescribeCluster, ListGroups v3+ and the admin APIs' newest versions (DescribeConfigs v4,
// AlterConfigs v2, DeleteGroups v2+, IncrementalAlterConfigs v1) are flexible.
#pragma once

#include <cstdint>
#include <span>

namespace pinpipe::kafka {

enum ApiKey : int16_t {
  kProduce = 0,
  kFetch = 1,
  kListOffsets = 2,
  kMetadata = 3,
  kOffsetCommit = 8,
  kOffsetFetch = 9,
  kFindCoordinator = 10,
  kJoinGroup = 11,
  kHeartbeat = 12,
  kLeaveGroup = 13,
  kSyncGroup = 14,
  kDescribeGroups = 15,
  kListGroups = 16,
  kSaslHandshake = 17,
  kApiVersions = 18,
  kCreateTopics = 19,
  kDeleteTopics = 20,
  kInitProducerId = 22,
  kOffsetForLeaderEpoch = 23,
  kDescribeConfigs = 32,
  kAlterConfigs = 33,
  kSaslAuthenticate = 36,
  kCreatePartitions = 37,
  kDeleteGroups = 42,
  kIncrementalAlterConfigs = 44,
  kDescribeCluster = 60,
};

struct ApiRange {
  int16_t key;
  int16_t min_version;
  int16_t max_version;
};

// The advertised table, sorted by key. SaslHandshake and SaslAuthenticate are in it but
// advertised only by a SASL listener (HandleApiVersions).
std::span<const ApiRange> SupportedApis();
// Nullptr when the key is not implemented.
const ApiRange* FindApi(int16_t key);
// Whether (key, version) uses the flexible encoding (request header v2, compact types), from
// Kafka's own first flexible version per API; false for keys Kafka does not define here.
bool IsFlexible(int16_t key, int16_t version);
// Kafka's name for a key ("Produce"), or "Unknown".
const char* ApiName(int16_t key);

}  // namespace pinpipe::kafka
