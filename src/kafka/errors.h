// Kafka error codes pinpipe answers with (Apache Kafka's Errors.java; kafka.md §2.10).
#pragma once

#include <cstdint>

namespace pinpipe::kafka::err {

inline constexpr int16_t kNone = 0;
inline constexpr int16_t kOffsetOutOfRange = 1;
inline constexpr int16_t kCorruptMessage = 2;
inline constexpr int16_t kUnknownTopicOrPartition = 3;
inline constexpr int16_t kMessageTooLarge = 10;
inline constexpr int16_t kCoordinatorNotAvailable = 15;
inline constexpr int16_t kInvalidTopic = 17;
inline constexpr int16_t kInvalidRequiredAcks = 21;
inline constexpr int16_t kIllegalGeneration = 22;
inline constexpr int16_t kInconsistentGroupProtocol = 23;
inline constexpr int16_t kInvalidGroupId = 24;
inline constexpr int16_t kUnknownMemberId = 25;
inline constexpr int16_t kInvalidSessionTimeout = 26;
inline constexpr int16_t kRebalanceInProgress = 27;
inline constexpr int16_t kOffsetMetadataTooLarge = 12;
inline constexpr int16_t kUnsupportedSaslMechanism = 33;
inline constexpr int16_t kIllegalSaslState = 34;
inline constexpr int16_t kUnsupportedVersion = 35;
inline constexpr int16_t kTopicAlreadyExists = 36;
inline constexpr int16_t kInvalidPartitions = 37;
inline constexpr int16_t kInvalidReplicationFactor = 38;
inline constexpr int16_t kInvalidReplicaAssignment = 39;
inline constexpr int16_t kInvalidConfig = 40;
inline constexpr int16_t kInvalidRequest = 42;
inline constexpr int16_t kOutOfOrderSequenceNumber = 45;
inline constexpr int16_t kInvalidProducerEpoch = 47;
inline constexpr int16_t kTransactionalIdAuthorizationFailed = 53;
inline constexpr int16_t kNonEmptyGroup = 68;
inline constexpr int16_t kGroupIdNotFound = 69;
inline constexpr int16_t kTopicDeletionDisabled = 73;
inline constexpr int16_t kFencedLeaderEpoch = 74;
inline constexpr int16_t kUnknownLeaderEpoch = 75;
inline constexpr int16_t kUnsupportedCompressionType = 76;
inline constexpr int16_t kInvalidRecord = 87;
inline constexpr int16_t kUnknownTopicId = 100;
inline constexpr int16_t kInconsistentTopicId = 103;
inline constexpr int16_t kUnknownServerError = -1;
inline constexpr int16_t kKafkaStorageError = 56;
inline constexpr int16_t kSaslAuthenticationFailed = 58;

}  // namespace pinpipe::kafka::err
