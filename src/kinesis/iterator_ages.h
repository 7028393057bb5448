// IteratorAges: per shard and per reader, the MillisBehindLatest of its latest read — what
// CloudWatch calls GetRecords.IteratorAgeMilliseconds (per shard: the largest over its readers)
// and SubscribeToShardEvent.MillisBehindLatest (per registered consumer). Noted once per
// GetRecords call or SubscribeToShard event (a short lock and a map lookup; an entry is
// allocated the first time a reader reads a shard), read by the dashboard and /metrics.
// GetRecords callers are anonymous to the server (an iterator names no caller): they share the
// reader "GetRecords"; a registered consumer is its consumer name.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/mutex.h"

namespace pinpipe::kinesis {

class IteratorAges {
 public:
  static constexpr std::string_view kGetRecords = "GetRecords";
  static constexpr size_t kMaxEntries = 4096;  // beyond: new readers are not tracked
  struct Entry {
    std::string stream;
    int32_t shard = 0;
    std::string reader;         // kGetRecords, or a registered consumer's name
    int64_t millis_behind = 0;  // of the latest read
    int64_t at_ms = 0;          // when it was read (wall clock)
    int64_t records = 0;        // records that read returned
    uint64_t reads = 0;         // reads noted
  };

  void Note(std::string_view stream, int32_t shard, std::string_view reader, int64_t millis_behind, int64_t now_ms,
            int64_t records);
  // Entries read within `max_age_ms` of `now_ms` (older ones are dropped), by stream, shard, reader.
  std::vector<Entry> Snapshot(int64_t now_ms, int64_t max_age_ms);

 private:
  using Key = std::tuple<std::string, int32_t, std::string>;
  Mutex mu_;
  std::map<Key, Entry, std::less<>> entries_ GUARDED_BY(mu_);
};

}  // namespace pinpipe::kinesis
