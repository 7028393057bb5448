// Fetch v4-11 (kafka.md §2.7). Whole batches from each partition's fetch offset, as stored
// (the client decompresses); KIP-74: the first non-empty partition returns at least one batch
// even over the limits, later partitions only what fits in max_bytes. Long poll: with fewer
// than min_bytes available the request waits (LogManager::WaitForData, no thread held) until
// data arrives or max_wait_ms passes. Fetch sessions (v7+) are declined: every answer carries
// session id 0, so clients keep sending full fetches. LSO = high watermark (no transactions).
// Runs on the executor: a read may miss the page cache.
#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include "common/mutex.h"
#include "kafka/broker.h"
#include "kafka/errors.h"
#include "log/log_manager.h"

namespace pinpipe::kafka {
namespace {

constexpr int16_t kFetchSessionIdNotFound = 70;

struct FetchPartition {
  int32_t index;
  int64_t offset;
  int32_t max_bytes;
};

struct FetchTopic {
  std::string name;
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

void RunFetch(std::shared_ptr<FetchState> st) {
  Broker& b = *st->broker;
  const int16_t v = st->version;
  std::string body;
  Writer w(body);
  w.I32(0);  // throttle_time_ms
  if (v >= 7) {
    w.I16(st->session_id != 0 ? kFetchSessionIdNotFound : err::kNone);
    w.I32(0);  // session_id: sessions declined
  }
  size_t total = 0;
  bool errors = false;
  std::vector<int64_t> wait_offsets;  // per partition: where new data would start
  w.ArrayLength(static_cast<int32_t>(st->topics.size()), false);
  for (const FetchTopic& t : st->topics) {
    w.String(t.name, false);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()), false);
    for (const FetchPartition& p : t.partitions) {
      w.I32(p.index);
      size_t error_pos = body.size();
      w.I16(err::kNone);
      size_t hw_pos = body.size();
      w.I64(-1);  // high watermark
      w.I64(-1);  // last stable offset
      if (v >= 5) w.I64(-1);  // log start offset
      w.ArrayLength(0, false);  // aborted transactions
      if (v >= 11) w.I32(-1);  // preferred read replica
      size_t size_pos = w.ReserveI32();
      int16_t code = err::kNone;
      size_t budget = st->max_bytes > 0 ? static_cast<size_t>(st->max_bytes) : 0;
      size_t limit = std::min(static_cast<size_t>(std::max(p.max_bytes, 0)),
                              budget > total ? budget - total : 0);
      auto read = b.log().Read(t.name, p.index, p.offset, limit, body);
      size_t got = 0;
      if (!read) {
        code = err::kUnknownTopicOrPartition;
      } else {
        got = read->bytes;
        wait_offsets.push_back(read->next_offset);
        if (read->out_of_range) code = err::kOffsetOutOfRange;
        // KIP-74's "at least one batch" holds for the first partition with data only.
        if (total > 0 && got > limit) {
          body.resize(body.size() - got);
          got = 0;
          wait_offsets.back() = p.offset;
        }
        if (code == err::kNone) {  // Kafka leaves them -1 with an error
          char* hw = body.data() + hw_pos;
          log::WriteBigEndian64(hw, read->high_watermark);
          log::WriteBigEndian64(hw + 8, read->high_watermark);
          if (v >= 5) log::WriteBigEndian64(hw + 16, read->log_start_offset);
        }
      }
      if (code != err::kNone) {
        errors = true;
        body[error_pos] = static_cast<char>(static_cast<uint16_t>(code) >> 8);
        body[error_pos + 1] = static_cast<char>(code & 0xff);
      }
      w.PatchI32(size_pos, static_cast<int32_t>(got));
      total += got;
    }
  }
  const int64_t now = NowMs();
  if (!errors && total < static_cast<size_t>(std::max(st->min_bytes, 0)) && now < st->deadline_ms &&
      st->session_id == 0) {
    // Park until data arrives at any of the partitions or the wait ends.
    auto round = std::make_shared<WaitRound>();
    bool ready = false;
    size_t k = 0;
    for (const FetchTopic& t : st->topics) {
      for (const FetchPartition& p : t.partitions) {
        auto id = b.log().WaitForData(t.name, p.index, wait_offsets[k++],
                                      [st, round] { Wake(st, round); });
        if (!id || *id == 0) {
          ready = true;
          break;
        }
        MutexLock lock(round->mu);
        round->ids.push_back(*id);
      }
      if (ready) break;
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
      st->reply.Send(std::move(body));
      return;
    }
    if (round->fired.load()) return;  // a wake-up already took over
    if (!b.executor().PostAfter(st->deadline_ms - now, [st, round] { Wake(st, round); })) {
      Wake(st, round);
    }
    return;
  }
  st->reply.Send(std::move(body));
}

}  // namespace

void HandleFetch(Broker& b, Request& req, Reply reply) {
  const int16_t v = req.header.api_version;
  Reader r(req.body);
  auto st = std::make_shared<FetchState>();
  st->broker = &b;
  st->version = v;
  r.I32();  // replica_id
  int32_t max_wait = r.I32();
  st->min_bytes = r.I32();
  st->max_bytes = r.I32();
  r.I8();  // isolation_level: no transactions, both levels read the same
  st->session_id = 0;
  if (v >= 7) {
    st->session_id = r.I32();
    r.I32();  // session_epoch
  }
  int32_t nt = r.ArrayLength(false);
  for (int32_t i = 0; i < nt && !r.failed(); ++i) {
    FetchTopic t;
    t.name = std::string(r.String(false));
    int32_t np = r.ArrayLength(false);
    for (int32_t j = 0; j < np && !r.failed(); ++j) {
      FetchPartition p{};
      p.index = r.I32();
      if (v >= 9) r.I32();  // current_leader_epoch
      p.offset = r.I64();
      if (v >= 5) r.I64();  // log_start_offset (a follower's)
      p.max_bytes = r.I32();
      t.partitions.push_back(p);
    }
    st->topics.push_back(std::move(t));
  }
  if (v >= 7) {
    int32_t nf = r.ArrayLength(false);
    for (int32_t i = 0; i < nf && !r.failed(); ++i) {
      r.String(false);
      int32_t np = r.ArrayLength(false);
      for (int32_t j = 0; j < np && !r.failed(); ++j) r.I32();
    }
  }
  if (v >= 11) r.String(false);  // rack_id
  if (r.failed()) return reply.Close();
  st->deadline_ms = NowMs() + std::max(max_wait, 0);
  st->reply = std::move(reply);
  RunFetch(std::move(st));
}

}  // namespace pinpipe::kafka
