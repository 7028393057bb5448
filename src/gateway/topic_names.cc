#include "gateway/topic_names.h"

#include "log/log_manager.h"

namespace pinpipe::gateway {

std::optional<std::string> CheckTopicName(std::string_view topic) {
  if (log::IsValidTopicName(topic)) return std::nullopt;
  std::string shown(topic.substr(0, 64));
  return "Invalid topic name '" + shown +
         "': topic names are 1 to 249 characters of [a-zA-Z0-9._-] and not '.' or '..'";
}

}  // namespace pinpipe::gateway
