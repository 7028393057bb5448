// MessageIndex: the message browser's search index — per partition, a sparse index of blocks
// of kBlockRecords consecutive offsets, each with its records' minimum and maximum timestamp
// and a Bloom filter of their keys. A search by key and/or time range reads only the blocks
// whose filter may hold the key and whose time span overlaps the range, and reports how many
// records it decoded ("scanned N of M"). A filter on the value (ui/value_filter.h) is checked
// on every record read; a scan is bounded by a budget of records and answers the offset it
// reached, from which the next request continues.
//
// The index is built lazily on the dashboard's work pool (never on a reactor thread): a
// partition is indexed from its first search on, then kept caught up in the background
// (Refresh, every ~200 ms); each search first indexes what is still left (up to the high watermark),
// drops the blocks retention removed, and starts over when the log was truncated below what
// it had indexed. Memory: ~1 KiB per 1,024 records (the filter), e.g. 1 MiB per million.
// Not handled: a topic deleted and recreated past the indexed offset keeps the old blocks (a
// search then reads wrong blocks and finds fewer records, never wrong ones: every record read
// is checked against the query).
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "log/log_manager.h"
#include "ui/api_json.h"
#include "ui/value_filter.h"

namespace pinpipe::ui {

class MessageIndex {
 public:
  static constexpr int64_t kBlockRecords = 1024;
  static constexpr size_t kFilterBits = 8192;  // ~3% false positives at 1,024 distinct keys

  struct Query {
    // The record key's exact bytes, or (unless it starts with '"') its JSON string; none = any.
    std::optional<std::string> key;
    int64_t from_ts = std::numeric_limits<int64_t>::min();  // inclusive, ms
    int64_t to_ts = std::numeric_limits<int64_t>::max();    // inclusive, ms
    size_t limit = 50;
    ValueFilter* value = nullptr;  // none: any value
    int64_t from_offset = 0;       // continue from here (the previous answer's `next`)
    int64_t max_scan = std::numeric_limits<int64_t>::max();  // records to decode at most
  };
  // How far a search of one partition got: records below `next` were all examined; the
  // partition is finished when next >= end (its high watermark when the search began).
  struct Position {
    int64_t next = 0, end = 0;
  };
  struct Stats {
    int64_t scanned = 0;       // records decoded to answer (in the blocks read)
    int64_t total = 0;         // records in the partitions searched (high watermark − log start)
    int64_t blocks_read = 0;   // blocks whose filter and time span admitted the query
    int64_t blocks_total = 0;
    int64_t indexed = 0;       // records this search added to the index first
  };

  // Appends up to `q.limit` matching records of `partition` (oldest first) to `out`, decoding
  // at most `q.max_scan` records.
  Result<Position> Search(const log::LogManager& log, const std::string& topic, int32_t partition, const Query& q,
                std::vector<MessageRow>& out, Stats& stats);
  // Indexes what was appended since, in every partition searched before: run in the background
  // (the dashboard's pool, every ~200 ms from the feed thread) so that a search under produce
  // load finds little left to index.
  void Refresh(const log::LogManager& log);

 private:
  struct Block {
    int64_t start = 0, end = 0;  // offsets [start, end)
    int64_t count = 0;           // records seen (compaction/gaps: may be < end - start)
    int64_t min_ts = std::numeric_limits<int64_t>::max(), max_ts = std::numeric_limits<int64_t>::min();
    std::array<uint64_t, kFilterBits / 64> filter{};
    void AddKey(std::string_view key);
    bool MayHold(std::string_view key) const;
  };
  struct Partition {
    Mutex mu;  // one search per partition at a time (the pool has 2 threads)
    std::vector<Block> blocks;
    int64_t indexed_to = 0;  // next offset to index
  };
  Status CatchUp(const log::LogManager& log, const std::string& topic, int32_t partition, Partition& p,
                 const log::PartitionInfo& info, Stats& stats);

  Mutex mu_;
  std::map<std::pair<std::string, int32_t>, std::unique_ptr<Partition>> parts_;
};

}  // namespace pinpipe::ui
