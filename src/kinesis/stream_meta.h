// A stream's metadata (everything but the records, which live in the log topic of the same name:
// shard i is partition i). Persisted by StreamStore.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kinesis/hash_key.h"

namespace pinpipe::kinesis {

struct ShardMeta {
  int32_t index = 0;  // = log partition
  int32_t parent = -1;
  int32_t adjacent_parent = -1;
  HashKey start_hash = 0;
  HashKey end_hash = 0;
  int64_t created_ms = 0;
  int64_t start_offset = 0;  // first log offset that belongs to the shard
  // Closed shards: the offset after their last record, and when they closed; -1 while open.
  int64_t end_offset = -1;
  int64_t closed_ms = -1;

  bool open() const { return end_offset < 0; }
  // Closed by a reshard whose end offset is not fixed yet (see Service::Reshard): readers treat
  // it as open, puts that land in it are failed for the client to retry on a child.
  bool closing() const { return end_offset == kClosingOffset; }
  static constexpr int64_t kClosingOffset = INT64_MAX;
};

struct ConsumerMeta {
  std::string name;
  int64_t created_ms = 0;
};

struct StreamMeta {
  std::string name;
  std::string status = "ACTIVE";
  std::string mode = "PROVISIONED";  // or ON_DEMAND
  int64_t created_ms = 0;
  int32_t retention_hours = 24;
  std::map<std::string, std::string> tags;
  std::vector<ShardMeta> shards;  // by index
  std::string encryption = "NONE";
  std::string key_id;
  std::vector<std::string> shard_level_metrics;
  std::vector<ConsumerMeta> consumers;  // enhanced fan-out registrations, by name

  int open_shards() const;
};

std::string ShardIdOf(int32_t index);  // shardId-000000000007
// -1 unless "shardId-" + digits naming an index below `count`.
int32_t ShardIndexOf(const std::string& id, size_t count);

}  // namespace pinpipe::kinesis
