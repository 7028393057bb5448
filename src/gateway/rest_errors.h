// The REST Proxy's error bodies: {"error_code":N,"message":"..."} with its application codes
// (../shared/reference/protocols.md §1.2), in application/vnd.kafka.v2+json.
#pragma once

#include <cstdint>

#include <string_view>

#include "http/response.h"

namespace pinpipe::gateway {

inline constexpr std::string_view kV2Json = "application/vnd.kafka.v2+json";
inline constexpr std::string_view kJsonV2Json = "application/vnd.kafka.json.v2+json";
inline constexpr std::string_view kBinaryV2Json = "application/vnd.kafka.binary.v2+json";

namespace rest_code {
inline constexpr int kBadRequest = 400;
inline constexpr int kInvalidConsumerConfig = 40001;
inline constexpr int kKafkaBadRequest = 40002;
inline constexpr int kTopicNotFound = 40401;
inline constexpr int kPartitionNotFound = 40402;
inline constexpr int kConsumerInstanceNotFound = 40403;
inline constexpr int kFormatMismatch = 40601;
inline constexpr int kSerialization = 40801;
inline constexpr int kConsumerAlreadySubscribed = 40901;
inline constexpr int kConsumerAlreadyExists = 40902;
inline constexpr int kIllegalState = 40903;
inline constexpr int kTooLarge = 413;  // RecordTooLargeException; also too many records
inline constexpr int kUnsupportedMediaType = 415;
inline constexpr int kUnprocessable = 422;
inline constexpr int kInvalidConsumerConfigValue = 42204;
inline constexpr int kPayloadError = 42206;
inline constexpr int kKafkaError = 50002;
inline constexpr int kKafkaRetriable = 50003;
}  // namespace rest_code

// HTTP status for an application error code: 40401 -> 404, 422 -> 422, 50002 -> 500.
int HttpStatusForCode(int error_code);

http::Response RestError(int error_code, std::string_view message);
// 40801 for a record a JSON consumer cannot read: the records before it are answered, and when
// it comes first this is the answer and the position moves past it (one bad record never stops
// a partition).
// 40403 "Consumer instance not found." (the REST Proxy's answer for an unknown instance).
http::Response InstanceNotFound();
http::Response RecordNotJsonError(std::string_view topic, int32_t partition, int64_t offset);
// A JSON body with the v2 content type.
http::Response RestJson(int status, std::string body);

}  // namespace pinpipe::gateway
