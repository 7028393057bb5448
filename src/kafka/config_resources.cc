#include "kafka/config_resources.h"

#include "kafka/errors.h"

namespace pinpipe::kafka {

ConfigResult AlterConfigResource(int8_t resource_type, std::string_view name,
                                 const std::function<Status()>& alter) {
  constexpr int8_t kTopic = 2, kBroker = 4;
  if (resource_type == kBroker) {
    return {err::kInvalidRequest,
            "pinpipe's broker configs are read-only over the Kafka protocol: set them in "
            "pinpipe's config (kafka.*, log.*) and restart"};
  }
  if (resource_type != kTopic) {
    return {err::kInvalidRequest, "pinpipe alters topic (2) configs only, not resource type " +
                                      std::to_string(resource_type)};
  }
  Status st = alter();
  if (st) return {};
  switch (st.error().code()) {
    case ErrorCode::kNotFound:
      return {err::kUnknownTopicOrPartition,
              "The topic '" + std::string(name) + "' does not exist."};
    case ErrorCode::kInvalidArgument:
      return {err::kInvalidConfig, st.error().message()};
    default:
      return {err::kUnknownServerError, st.error().message()};
  }
}

void WriteConfigResult(Writer& w, const ConfigResult& result, int8_t resource_type,
                       std::string_view name, bool flexible) {
  w.I16(result.error);
  w.NullableString(result.error == err::kNone
                       ? std::nullopt
                       : std::optional<std::string_view>(result.message),
                   flexible);
  w.I8(resource_type);
  w.String(name, flexible);
  if (flexible) w.EmptyTaggedFields();
}

}  // namespace pinpipe::kafka
