// Fetch v4-18 (kafka.md §2.7; Kafka's FetchRequest/FetchResponse.json). Whole batches from each
// partition's fetch offset, as stored (the client decompresses); KIP-74: the first non-empty
// partition returns at least one batch even over the limits, later partitions only what fits in
// max_bytes. Long poll: with fewer than min_bytes available the request waits
// (LogManager::WaitForData, no thread held) until data arrives or max_wait_ms passes; with no
// partition to read (no topics, only unknown ids) it is answered at once, as Kafka's. Fetch
// sessions (v7+) are declined: every answer carries session id 0, so clients keep sending full
// fetches. LSO = high watermark (no transactions). Runs on the executor: a read may miss the
// page cache.
//
// Versions: v12+ flexible (the partitions' last_fetched_epoch is read and not used: only
// followers send it); v13+ name topics by id (KIP-516): an id no topic has is UNKNOWN_TOPIC_ID,
// and an id whose name now belongs to another topic (deleted and created again while the fetch
// waited) is INCONSISTENT_TOPIC_ID, as Kafka's KafkaApis and ReplicaManager answer; v15 moves
// the replica id into a tagged ReplicaState, v17 adds a tagged directory id, v18 a tagged
// high watermark per partition (all followers' only, skipped; Kafka 4.4's newest version).
// Leader epochs (v9+): one epoch, kLeaderEpoch; a current_leader_epoch below
// it is FENCED_LEADER_EPOCH, above it UNKNOWN_LEADER_EPOCH (v16+: with the leader and its
// endpoint, KIP-951), as Kafka's Partition checks. Every returned batch carries kLeaderEpoch
// as its partitionLeaderEpoch (Kafka writes the leader's epoch on append; pinpipe stores
// batches as producers sent them, -1), so a Java consumer's position has an epoch to validate
// with OffsetForLeaderEpoch (KIP-320) — outside the batch CRC, which stays valid.
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include "common/mutex.h"
#include "kafka/broker.h"
#include "kafka/errors.h"
#include "log/log_manager.h"
#include "log/record_batch.h"
#include "net/buffer_pool.h"

namespace pinpipe::kafka {
namespace {

constexpr int16_t kFetchSessionIdNotFound = 70;
constexpr int32_t kNoEpoch = -1;
struct FetchPartition {
  int32_t index;
  int32_t current_leader_epoch;
  int64_t offset;
  int32_t max_bytes;
};

struct FetchTopic {
  std::string name;       // resolved from the id for v13+
  log::TopicUuid id{};    // v13+
  bool unknown_id = false;
  std::vector<FetchPartition> partitions;
};

struct FetchState {
  Broker* broker;
  int16_t version;
  int32_t min_bytes;
  int32_t max_bytes;
  int32_t session_id;
  int64_t deadline_ms;
  std::vector<FetchTopic> topics;
  Reply reply;
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

log::TopicUuid ReadUuid(Reader& r) {
  log::TopicUuid id{};
  for (auto& b : id) b = static_cast<uint8_t>(r.I8());
  return id;
}

void WriteUuid(Writer& w, const log::TopicUuid& id) {
  for (uint8_t b : id) w.I8(static_cast<int8_t>(b));
}

// Stamps kLeaderEpoch into the header of every batch that starts in [p, p + n) with its epoch
// field inside it (a truncated trailing batch too; clients skip it).
void StampLeaderEpoch(char* p, size_t n) {
  size_t pos = 0;
  while (pos + log::kLeaderEpochPos + 4 <= n) {
    const int64_t len = log::ReadBigEndian32(p + pos + 8);
    if (len <= 0) break;
    log::WriteBigEndian32(p + pos + log::kLeaderEpochPos, kLeaderEpoch);
    pos += 12 + static_cast<size_t>(len);
  }
}

// One wait round: the first of its wake-ups (data or the deadline) runs the fetch again.
struct WaitRound {
  std::atomic<bool> fired{false};
  Mutex mu;
  std::vector<log::LogManager::WaitId> ids GUARDED_BY(mu);
};

void RunFetch(std::shared_ptr<FetchState> st);

void Wake(const std::shared_ptr<FetchState>& st, const std::shared_ptr<WaitRound>& round) {
  if (round->fired.exchange(true)) return;
  std::vector<log::LogManager::WaitId> ids;
  {
    MutexLock lock(round->mu);
    ids.swap(round->ids);
  }
  for (auto id : ids) st->broker->log().CancelWait(id);
  if (!st->broker->executor().Post([st] { RunFetch(st); })) st->reply.Close();
}

// Where a partition that was read would get new data (the long poll's wake-up).
struct WaitAt {
  const FetchTopic* topic;
  int32_t partition;
  int64_t offset;
};

void RunFetch(std::shared_ptr<FetchState> st) {
  Broker& b = *st->broker;
  const int16_t v = st->version;
  const bool flex = v >= 12;
  // The answer's pieces: the fields before each partition's records, then the records in the
  // buffer the log read them into (never copied again), and so on; `body` is the piece being
  // written. A records field's size prefix is written once the read says how much it got.
  std::vector<std::string> pieces;
  std::string body;
  Writer w(body);
  w.I32(0);  // throttle_time_ms
  if (v >= 7) {
    w.I16(st->session_id != 0 ? kFetchSessionIdNotFound : err::kNone);
    w.I32(0);  // session_id: sessions declined
  }
  size_t total = 0;
  bool errors = false;
  bool fenced = false;  // v16+: the leader's endpoint goes with FENCED_LEADER_EPOCH
  std::vector<WaitAt> waits;
  w.ArrayLength(static_cast<int32_t>(st->topics.size()), flex);
  for (const FetchTopic& t : st->topics) {
    if (v >= 13) {
      WriteUuid(w, t.id);
    } else {
      w.String(t.name, flex);
    }
    // v13+: the id named a topic when the request came; the name may since belong to another.
    // Kafka checks the partition exists first, then the id (ReplicaManager.readFromLog).
    bool inconsistent = false;
    int32_t now_partitions = 0;
    if (v >= 13 && !t.unknown_id) {
      auto now = b.log().GetTopic(t.name);
      inconsistent = now && now->uuid != t.id;
      if (now) now_partitions = now->partitions;
    }
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()), flex);
    for (const FetchPartition& p : t.partitions) {
      w.I32(p.index);
      size_t error_pos = body.size();
      w.I16(err::kNone);
      size_t hw_pos = body.size();
      w.I64(-1);  // high watermark
      w.I64(-1);  // last stable offset
      if (v >= 5) w.I64(-1);  // log start offset
      w.ArrayLength(0, flex);  // aborted transactions
      if (v >= 11) w.I32(-1);  // preferred read replica
      const size_t size_pos = flex ? 0 : w.ReserveI32();
      std::string data = net::BufferPool::Shared().Take();
      int16_t code = err::kNone;
      size_t got = 0;
      if (t.unknown_id) {
        code = err::kUnknownTopicId;
      } else if (inconsistent) {
        code = p.index >= 0 && p.index < now_partitions ? err::kInconsistentTopicId
                                                         : err::kUnknownTopicOrPartition;
        errors = true;
      } else {
        size_t budget = st->max_bytes > 0 ? static_cast<size_t>(st->max_bytes) : 0;
        size_t limit = std::min(static_cast<size_t>(std::max(p.max_bytes, 0)),
                                budget > total ? budget - total : 0);
        auto read = b.log().Read(t.name, p.index, p.offset, limit, data);
        if (!read) {
          code = err::kUnknownTopicOrPartition;
        } else if (p.current_leader_epoch != kNoEpoch && p.current_leader_epoch != kLeaderEpoch) {
          data.clear();
          code = p.current_leader_epoch < kLeaderEpoch ? err::kFencedLeaderEpoch
                                                       : err::kUnknownLeaderEpoch;
          fenced = fenced || code == err::kFencedLeaderEpoch;
        } else {
          got = read->bytes;
          waits.push_back({&t, p.index, read->next_offset});
          if (read->out_of_range) code = err::kOffsetOutOfRange;
          // KIP-74's "at least one batch" holds for the first partition with data only.
          if (total > 0 && got > limit) {
            data.clear();
            got = 0;
            waits.back().offset = p.offset;
          }
          if (code == err::kNone) {  // Kafka leaves them -1 with an error
            char* hw = body.data() + hw_pos;
            log::WriteBigEndian64(hw, read->high_watermark);
            log::WriteBigEndian64(hw + 8, read->high_watermark);
            if (v >= 5) log::WriteBigEndian64(hw + 16, read->log_start_offset);
          }
        }
        if (code != err::kNone) errors = true;
      }
      if (code != err::kNone) {
        body[error_pos] = static_cast<char>(static_cast<uint16_t>(code) >> 8);
        body[error_pos + 1] = static_cast<char>(code & 0xff);
      }
      StampLeaderEpoch(data.data(), got);
      if (flex) {
        w.UVarint(static_cast<uint32_t>(got + 1));  // COMPACT_RECORDS: varint(size + 1)
      } else {
        w.PatchI32(size_pos, static_cast<int32_t>(got));
      }
      if (got > 0) {
        pieces.push_back(std::move(body));
        body.clear();
        pieces.push_back(std::move(data));
      } else {
        net::BufferPool::Shared().Give(std::move(data));
      }
      if (flex) {
        if (v >= 16 && code == err::kFencedLeaderEpoch) {
          // Tagged CurrentLeader (tag 1): leader id, leader epoch, no tags of its own.
          w.UVarint(1);
          w.UVarint(1);
          w.UVarint(4 + 4 + 1);
          w.I32(b.options().node_id);
          w.I32(kLeaderEpoch);
          w.EmptyTaggedFields();
        } else {
          w.EmptyTaggedFields();
        }
      }
      total += got;
    }
    if (flex) w.EmptyTaggedFields();
  }
  if (flex) {
    if (v >= 16 && fenced) {
      // Tagged NodeEndpoints (tag 0): this broker, for the clients told of a newer leader.
      std::string nodes;
      Writer n(nodes);
      n.ArrayLength(1, true);
      n.I32(b.options().node_id);
      n.String(b.advertised_host(), true);
      n.I32(b.advertised_port());
      n.NullableString(std::nullopt, true);  // rack
      n.EmptyTaggedFields();
      w.UVarint(1);
      w.UVarint(0);
      w.UVarint(static_cast<uint32_t>(nodes.size()));
      body += nodes;
    } else {
      w.EmptyTaggedFields();
    }
  }
  const int64_t now = NowMs();
  // Kafka answers at once when no partition could be read (ids it did not know, say).
  if (!errors && !waits.empty() && total < static_cast<size_t>(std::max(st->min_bytes, 0)) &&
      now < st->deadline_ms && st->session_id == 0) {
    // Park until data arrives at any of the partitions or the wait ends.
    auto round = std::make_shared<WaitRound>();
    bool ready = false;
    for (const WaitAt& at : waits) {
      auto id = b.log().WaitForData(at.topic->name, at.partition, at.offset,
                                    [st, round] { Wake(st, round); });
      if (!id || *id == 0) {
        ready = true;
        break;
      }
      MutexLock lock(round->mu);
      round->ids.push_back(*id);
    }
    if (ready) {
      // More data than the limits let this answer take: answer now rather than spin.
      round->fired = true;
      std::vector<log::LogManager::WaitId> ids;
      {
        MutexLock lock(round->mu);
        ids.swap(round->ids);
      }
      for (auto id : ids) b.log().CancelWait(id);
      pieces.push_back(std::move(body));
      st->reply.Send(ResponseBody(std::move(pieces)));
      return;
    }
    if (round->fired.load()) return;  // a wake-up already took over
    if (!b.executor().PostAfter(st->deadline_ms - now, [st, round] { Wake(st, round); })) {
      Wake(st, round);
    }
    return;
  }
  pieces.push_back(std::move(body));
  st->reply.Send(ResponseBody(std::move(pieces)));
}

}  // namespace

void HandleFetch(Broker& b, Request& req, Reply reply) {
  const int16_t v = req.header.api_version;
  const bool flex = v >= 12;
  Reader r(req.body);
  auto st = std::make_shared<FetchState>();
  st->broker = &b;
  st->version = v;
  if (v <= 14) r.I32();  // replica_id (v15+: the tagged ReplicaState)
  int32_t max_wait = r.I32();
  st->min_bytes = r.I32();
  st->max_bytes = r.I32();
  r.I8();  // isolation_level: no transactions, both levels read the same
  st->session_id = 0;
  if (v >= 7) {
    st->session_id = r.I32();
    r.I32();  // session_epoch
  }
  int32_t nt = r.ArrayLength(flex);
  for (int32_t i = 0; i < nt && !r.failed(); ++i) {
    FetchTopic t;
    if (v >= 13) {
      t.id = ReadUuid(r);
      auto found = b.log().GetTopicById(t.id);
      if (found) {
        t.name = std::move(found->name);
      } else {
        t.unknown_id = true;
      }
    } else {
      t.name = std::string(r.String(flex));
    }
    int32_t np = r.ArrayLength(flex);
    for (int32_t j = 0; j < np && !r.failed(); ++j) {
      FetchPartition p{};
      p.index = r.I32();
      p.current_leader_epoch = v >= 9 ? r.I32() : kNoEpoch;
      p.offset = r.I64();
      if (v >= 12) r.I32();  // last_fetched_epoch: a follower's divergence check
      if (v >= 5) r.I64();   // log_start_offset (a follower's)
      p.max_bytes = r.I32();
      if (flex) r.SkipTaggedFields();  // v17: replica_directory_id, v18: high_watermark
      t.partitions.push_back(p);
    }
    if (flex) r.SkipTaggedFields();
    st->topics.push_back(std::move(t));
  }
  if (v >= 7) {
    int32_t nf = r.ArrayLength(flex);
    for (int32_t i = 0; i < nf && !r.failed(); ++i) {
      if (v >= 13) {
        ReadUuid(r);
      } else {
        r.String(flex);
      }
      int32_t np = r.ArrayLength(flex);
      for (int32_t j = 0; j < np && !r.failed(); ++j) r.I32();
      if (flex) r.SkipTaggedFields();
    }
  }
  if (v >= 11) r.String(flex);  // rack_id
  if (flex) r.SkipTaggedFields();  // cluster_id, replica_state
  if (r.failed()) return reply.Close();
  st->deadline_ms = NowMs() + std::max(max_wait, 0);
  st->reply = std::move(reply);
  RunFetch(std::move(st));
}

}  // namespace pinpipe::kafka
