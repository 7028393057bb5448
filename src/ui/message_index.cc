#include "ui/message_index.h"

#include <algorithm>

#include "common/logging.h"

namespace pinpipe::ui {
namespace {

// FNV-1a 64: stable across runs and platforms (the filter is in memory only, but a stable
// hash keeps a test's false positives the same on every machine).
uint64_t Hash(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// The records of [from, to) in offset order; `fn(rec)` returns false to stop.
template <typename Fn>
Status Scan(const log::LogManager& log, const std::string& topic, int32_t part, int64_t from, int64_t to, Fn&& fn) {
  std::string buf;
  while (from < to) {
    buf.clear();
    PINPIPE_ASSIGN_OR_RETURN(log::ReadResult rr, log.Read(topic, part, from, 1 << 20, buf));
    if (rr.bytes == 0) {
      if (rr.skipped() && rr.skipped_to > from) {  // damaged bytes on disk: past them
        from = rr.skipped_to;
        continue;
      }
      return OkStatus();
    }
    log::RecordReader reader(buf, from);
    log::RecordView rec;
    int64_t next = from;
    while (reader.Next(rec)) {
      if (rec.offset >= to) return OkStatus();
      if (rec.offset < from) continue;
      next = rec.offset + 1;
      if (!fn(rec)) return OkStatus();
    }
    if (next == from) return OkStatus();  // nothing decodable
    from = next;
  }
  return OkStatus();
}

}  // namespace

void MessageIndex::Block::AddKey(std::string_view key) {
  const uint64_t h = Hash(key), h2 = (h >> 32) | 1;
  for (uint64_t i = 0; i < 3; ++i) {
    const uint64_t bit = (h + i * h2) % kFilterBits;
    filter[bit / 64] |= uint64_t{1} << (bit % 64);
  }
}

bool MessageIndex::Block::MayHold(std::string_view key) const {
  const uint64_t h = Hash(key), h2 = (h >> 32) | 1;
  for (uint64_t i = 0; i < 3; ++i) {
    const uint64_t bit = (h + i * h2) % kFilterBits;
    if (!(filter[bit / 64] & (uint64_t{1} << (bit % 64)))) return false;
  }
  return true;
}

Status MessageIndex::CatchUp(const log::LogManager& log, const std::string& topic, int32_t partition, Partition& p,
                             const log::PartitionInfo& info, Stats& stats) {
  // Truncated below what was indexed (or recreated shorter): start over.
  if (info.high_watermark < p.indexed_to) {
    p.blocks.clear();
    p.indexed_to = 0;
  }
  // Retention removed whole blocks.
  auto gone = std::find_if(p.blocks.begin(), p.blocks.end(), [&](const Block& b) { return b.end > info.log_start_offset; });
  p.blocks.erase(p.blocks.begin(), gone);
  p.indexed_to = std::max(p.indexed_to, info.log_start_offset);
  return Scan(log, topic, partition, p.indexed_to, info.high_watermark, [&](const log::RecordView& rec) {
    // Blocks cover fixed offset ranges [k·N, (k+1)·N), so a block is found by arithmetic.
    const int64_t start = rec.offset - rec.offset % kBlockRecords;
    if (p.blocks.empty() || p.blocks.back().start != start) {
      p.blocks.emplace_back();
      p.blocks.back().start = start;
    }
    Block& b = p.blocks.back();
    b.end = rec.offset + 1;
    ++b.count;
    b.min_ts = std::min(b.min_ts, rec.timestamp_ms);
    b.max_ts = std::max(b.max_ts, rec.timestamp_ms);
    if (rec.key) b.AddKey(*rec.key);
    p.indexed_to = rec.offset + 1;
    ++stats.indexed;
    return true;
  });
}

void MessageIndex::Refresh(const log::LogManager& log) {
  std::vector<std::pair<std::pair<std::string, int32_t>, Partition*>> parts;
  {
    MutexLock lock(mu_);
    for (auto& [key, p] : parts_) parts.emplace_back(key, p.get());
  }
  for (auto& [key, p] : parts) {
    auto info = log.GetPartitionInfo(key.first, key.second);
    if (!info) continue;  // the topic was deleted: the next search answers for it
    MutexLock lock(p->mu);
    Stats stats;
    if (Status st = CatchUp(log, key.first, key.second, *p, *info, stats); !st) {
      spdlog::debug("ui: indexing {}/{}: {}", key.first, key.second, st.error().message());
    }
  }
}

Result<MessageIndex::Position> MessageIndex::Search(const log::LogManager& log, const std::string& topic, int32_t partition,
                                                    const Query& q, std::vector<MessageRow>& out, Stats& stats) {
  PINPIPE_ASSIGN_OR_RETURN(log::PartitionInfo info, log.GetPartitionInfo(topic, partition));
  Partition* p = nullptr;
  {
    MutexLock lock(mu_);
    auto& slot = parts_[{topic, partition}];
    if (!slot) slot = std::make_unique<Partition>();
    p = slot.get();
  }
  MutexLock lock(p->mu);
  PINPIPE_RETURN_IF_ERROR(CatchUp(log, topic, partition, *p, info, stats));
  stats.total += std::max<int64_t>(0, info.high_watermark - info.log_start_offset);
  stats.blocks_total += static_cast<int64_t>(p->blocks.size());
  // A key matches its bytes, or the JSON string of them: the REST Proxy stores a json key
  // "k1" with its quotes, and a person types k1.
  std::vector<std::string> keys;
  if (q.key) {
    keys.push_back(*q.key);
    if (!q.key->starts_with('"')) keys.push_back("\"" + *q.key + "\"");
  }
  auto key_matches = [&](std::string_view k) { return std::find(keys.begin(), keys.end(), k) != keys.end(); };
  size_t found = 0;
  int64_t decoded = 0;
  bool stopped = false;  // by the limit or the budget: `pos` is where to continue
  int64_t pos = std::max(q.from_offset, info.log_start_offset);
  std::vector<log::Header> headers;
  for (const Block& b : p->blocks) {
    if (stopped || found >= q.limit) break;
    if (b.end <= pos) continue;
    if (b.max_ts < q.from_ts || b.min_ts > q.to_ts ||
        (q.key && std::none_of(keys.begin(), keys.end(), [&](const std::string& k) { return b.MayHold(k); }))) {
      pos = b.end;  // nothing here can match
      continue;
    }
    ++stats.blocks_read;
    PINPIPE_RETURN_IF_ERROR(Scan(log, topic, partition, std::max(b.start, pos), b.end, [&](const log::RecordView& rec) {
      if (decoded >= q.max_scan) {
        stopped = true;
        return false;
      }
      ++decoded;
      ++stats.scanned;
      pos = rec.offset + 1;
      if (rec.timestamp_ms < q.from_ts || rec.timestamp_ms > q.to_ts) return true;
      if (q.key && (!rec.key || !key_matches(*rec.key))) return true;
      if (q.value && !q.value->Matches(rec.value)) return true;
      out.push_back(MessageRowOf(partition, rec, headers));
      stopped = ++found >= q.limit;
      return !stopped;
    }));
    if (!stopped) pos = std::max(pos, b.end);
  }
  if (!stopped && found < q.limit) pos = std::max(pos, info.high_watermark);
  return Position{pos, info.high_watermark};
}

}  // namespace pinpipe::ui
