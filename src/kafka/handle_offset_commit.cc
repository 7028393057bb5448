// OffsetCommit v2: checked against the group's generation, then written to the log's offset
// store — the same store the REST Proxy's consumers commit to, so a group's position is one
// whichever front end its members use. Durable (fsync) before the answer; runs on the executor.
#include <vector>

#include "groups/group_coordinator.h"
#include "kafka/broker.h"
#include "kafka/errors.h"
#include "log/log_manager.h"
#include "log/offset_store.h"

namespace pinpipe::kafka {

void HandleOffsetCommit(Broker& b, Request& req, Reply reply) {
  Reader r(req.body);
  std::string group(r.String(false));
  int32_t generation = r.I32();
  std::string member(r.String(false));
  r.I64();  // retention_time_ms
  struct Item {
    size_t topic;
    int32_t partition;
    int64_t offset;
    std::string_view metadata;
    int16_t error = err::kNone;
  };
  std::vector<std::string_view> topics;
  std::vector<std::vector<Item>> items;
  int32_t nt = r.ArrayLength(false);
  for (int32_t i = 0; i < nt && !r.failed(); ++i) {
    topics.push_back(r.String(false));
    items.emplace_back();
    int32_t np = r.ArrayLength(false);
    for (int32_t j = 0; j < np && !r.failed(); ++j) {
      Item it{topics.size() - 1, r.I32(), r.I64(), {}};
      it.metadata = r.NullableString(false).value_or("");
      items.back().push_back(it);
    }
  }
  if (r.failed()) return reply.Close();

  int16_t group_error = group.empty() ? err::kInvalidGroupId
                                      : b.groups().CheckCommit(group, generation, member);
  std::vector<log::OffsetCommit> commits;
  std::vector<Item*> committed;
  for (auto& list : items) {
    for (Item& it : list) {
      if (group_error != err::kNone) {
        it.error = group_error;
        continue;
      }
      log::OffsetCommit c{topics[it.topic], it.partition, it.offset, it.metadata};
      if (Status st = log::ValidateOffsetCommit(group, c); !st) {
        it.error = it.metadata.size() > log::kMaxOffsetMetadataBytes ? err::kOffsetMetadataTooLarge
                                                                      : err::kUnknownTopicOrPartition;
        continue;
      }
      commits.push_back(c);
      committed.push_back(&it);
    }
  }
  if (!commits.empty()) {
    if (Status st = b.log().offsets().Commit(group, commits); !st) {
      for (Item* it : committed) it->error = err::kUnknownServerError;
    }
  }
  std::string body;
  Writer w(body);
  w.ArrayLength(static_cast<int32_t>(topics.size()), false);
  for (size_t i = 0; i < topics.size(); ++i) {
    w.String(topics[i], false);
    w.ArrayLength(static_cast<int32_t>(items[i].size()), false);
    for (const Item& it : items[i]) {
      w.I32(it.partition);
      w.I16(it.error);
    }
  }
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
