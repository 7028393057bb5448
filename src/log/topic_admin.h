// TopicAdmin: topic administration where the topics live, for the REST Proxy's v3 routes and
// the CLI when they work on an external Kafka cluster (kafka::ClusterLog). Every call may
// block (network round trips): worker threads only. The embedded log's administration is
// LogManager's own (CreateTopic, DeleteTopic, ListTopics).
#pragma once

#include <string_view>
#include <vector>

#include "common/status.h"
#include "log/log_manager.h"

namespace pinpipe::log {

class TopicAdmin {
 public:
  virtual ~TopicAdmin() = default;
  virtual Result<std::vector<TopicInfo>> ListTopics() = 0;  // sorted by name
  virtual Result<TopicInfo> LookUpTopic(std::string_view topic) = 0;  // kNotFound if unknown
  // kAlreadyExists, kInvalidArgument as the cluster answers.
  virtual Status CreateTopic(std::string_view topic, int32_t partitions) = 0;
  virtual Status DeleteTopic(std::string_view topic) = 0;  // kNotFound if unknown
};

}  // namespace pinpipe::log
