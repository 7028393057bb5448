#include "kinesis/iterator_ages.h"

namespace pinpipe::kinesis {

void IteratorAges::Note(std::string_view stream, int32_t shard, std::string_view reader, int64_t millis_behind,
                        int64_t now_ms, int64_t records) {
  MutexLock lock(mu_);
  auto it = entries_.find(std::tuple<std::string_view, int32_t, std::string_view>(stream, shard, reader));
  if (it == entries_.end()) {
    if (entries_.size() >= kMaxEntries) return;
    Entry e{std::string(stream), shard, std::string(reader)};
    it = entries_.emplace(Key(e.stream, shard, e.reader), std::move(e)).first;
  }
  it->second.millis_behind = millis_behind;
  it->second.at_ms = now_ms;
  it->second.records = records;
  ++it->second.reads;
}

std::vector<IteratorAges::Entry> IteratorAges::Snapshot(int64_t now_ms, int64_t max_age_ms) {
  std::vector<Entry> out;
  MutexLock lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (now_ms - it->second.at_ms > max_age_ms) {
      it = entries_.erase(it);
      continue;
    }
    out.push_back(it->second);
    ++it;
  }
  return out;
}

}  // namespace pinpipe::kinesis
