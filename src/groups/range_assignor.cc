#include "groups/range_assignor.h"

#include <algorithm>

namespace pinpipe::groups {

std::vector<std::pair<std::string, std::string>> RangeAssign(
    const std::vector<std::pair<std::string, std::string>>& members,
    const std::function<int32_t(const std::string& topic)>& partition_count) {
  // topic -> its subscribers' ids (sorted: std::map over ids below keeps them in order)
  std::map<std::string, std::vector<std::string>> subscribers;
  std::map<std::string, std::map<std::string, std::vector<int32_t>>> out;  // member -> topic -> parts
  for (const auto& [id, meta] : members) {
    out[id];
    auto topics = DecodeSubscriptionTopics(meta);
    if (!topics) continue;
    std::sort(topics->begin(), topics->end());
    topics->erase(std::unique(topics->begin(), topics->end()), topics->end());
    for (auto& t : *topics) subscribers[t].push_back(id);
  }
  for (auto& [topic, ids] : subscribers) {
    std::sort(ids.begin(), ids.end());
    const int32_t n = partition_count(topic);
    if (n <= 0) continue;
    const auto m = static_cast<int32_t>(ids.size());
    const int32_t per = n / m, extra = n % m;
    int32_t next = 0;
    for (int32_t i = 0; i < m; ++i) {
      const int32_t count = per + (i < extra ? 1 : 0);
      if (count == 0) continue;
      auto& parts = out[ids[static_cast<size_t>(i)]][topic];
      for (int32_t k = 0; k < count; ++k) parts.push_back(next++);
    }
  }
  std::vector<std::pair<std::string, std::string>> result;
  for (auto& [id, topics] : out) {
    TopicPartitionList list(topics.begin(), topics.end());
    result.emplace_back(id, EncodeAssignment(list));
  }
  return result;
}

}  // namespace pinpipe::groups
