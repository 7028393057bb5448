// The SSE feed (/ui/api/events): one request per tab at a time, in long-poll form — the
// request parks until there is something new (a metrics pass, records on the tailed topic)
// or 15 s pass, then gets a finite text/event-stream answer ending with `retry: 100`; the
// browser's EventSource reconnects by itself and sends back the last event id, which
// carries where the tail and the metrics stood. The HTTP server thus needs no streaming
// responses, a parked request costs no thread, and a slow tab cannot hold buffers.
// Event id: "<last sample time>|<offset of p0>,<offset of p1>,...".
#include <charconv>
#include <chrono>

#include "common/logging.h"
#include "common/mutex.h"
#include "log/record_batch.h"
#include "ui/api_json.h"
#include "ui/dashboard.h"

namespace pinpipe::ui {
namespace {

constexpr size_t kMaxParked = 256;
constexpr size_t kMaxTailRecords = 500;  // per answer; the rest follow in the next one
constexpr auto kParkTimeout = std::chrono::seconds(15);

}  // namespace


void Dashboard::Park(const http::Request& q, http::Responder r) {
  auto p = std::make_unique<Parked>();
  if (auto t = q.QueryParam("topic")) {
    if (auto d = http::PercentDecode(*t)) p->topic = *d;
  }
  // Resume point: the Last-Event-ID the browser sends back on reconnect.
  std::string_view id = q.Header("last-event-id");
  bool resumed = false;
  if (!id.empty()) {
    size_t bar = id.find('|');
    std::string_view ts = id.substr(0, bar);
    std::from_chars(ts.data(), ts.data() + ts.size(), p->since);
    if (bar != std::string_view::npos) {
      resumed = true;
      std::string_view rest = id.substr(bar + 1);
      while (!rest.empty()) {
        size_t comma = rest.find(',');
        std::string_view n = rest.substr(0, comma);
        int64_t v = 0;
        std::from_chars(n.data(), n.data() + n.size(), v);
        p->offsets.push_back(v);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
  }
  if (!p->topic.empty() && !resumed) {
    // A new tail starts live, at each partition's end. Reading watermarks takes the
    // partitions' short locks only (no disk).
    if (auto t = log_.GetTopic(p->topic)) {
      for (int32_t i = 0; i < t->partitions; ++i) {
        auto info = log_.GetPartitionInfo(p->topic, i);
        p->offsets.push_back(info ? info->high_watermark : 0);
      }
    }
  }
  p->responder = std::move(r);
  p->deadline = std::chrono::steady_clock::now() + kParkTimeout;
  MutexLock lock(parked_mu_);
  if (parked_.size() >= kMaxParked || stop_.load()) {
    p->responder.Send(http::Response::Json(503, "{\"message\":\"too many live views\"}"));
    return;
  }
  parked_.push_back(std::move(p));
}

// Builds the answer if there is something to say (or the deadline passed). On the feed thread.
bool Dashboard::TryAnswer(Parked& p, bool deadline) {
  std::string events;
  const int64_t t = history_.last_time();
  if (t > p.since) {
    JsonWriter w;
    w.BeginObject().Key("t").Int(t).Key("values").BeginObject();
    for (const auto& [name, v] : history_.Latest()) {
      // The per-topic and per-group series stay in /ui/api/history; the feed carries the rest.
      w.Key(name);
      AppendNumber(w, v);
    }
    w.EndObject().EndObject();
    events += "event: metrics\ndata: " + w.Take() + "\n\n";
    p.since = t;
  }
  if (!p.topic.empty()) {
    auto topic = log_.GetTopic(p.topic);
    if (topic) {
      if (p.offsets.size() < static_cast<size_t>(topic->partitions)) p.offsets.resize(topic->partitions, 0);
      std::vector<MessageRow> rows;
      std::string buf;
      for (int32_t part = 0; part < topic->partitions && rows.size() < kMaxTailRecords; ++part) {
        auto info = log_.GetPartitionInfo(p.topic, part);
        if (!info || info->high_watermark <= p.offsets[part]) continue;
        int64_t from = std::max(p.offsets[part], info->log_start_offset);
        buf.clear();
        auto rr = log_.Read(p.topic, part, from, 1 << 20, buf);
        if (!rr) continue;
        log::RecordReader reader(buf, from);
        log::RecordView rec;
        std::vector<log::Header> hs;
        int64_t next = rr->out_of_range ? rr->log_start_offset : from;
        while (rows.size() < kMaxTailRecords && reader.Next(rec)) {
          rows.push_back(MessageRowOf(part, rec, hs));
          next = rec.offset + 1;
        }
        if (rr->skipped() && next < rr->skipped_to) next = rr->skipped_to;
        p.offsets[part] = next;
      }
      if (!rows.empty()) {
        // By time, then partition, then offset: records of one produce request share a
        // timestamp, and the tail must show them in log order.
        std::sort(rows.begin(), rows.end(), [](const MessageRow& a, const MessageRow& b) {
          if (a.timestamp_ms != b.timestamp_ms) return a.timestamp_ms < b.timestamp_ms;
          return a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset;
        });
        events += "event: records\ndata: " + MessagesJson(p.topic, rows, static_cast<int64_t>(rows.size()), "") + "\n\n";
      }
    }
  }
  if (events.empty() && !deadline) return false;
  std::string id = std::to_string(p.since) + "|";
  for (size_t i = 0; i < p.offsets.size(); ++i) {
    if (i) id += ',';
    id += std::to_string(p.offsets[i]);
  }
  http::Response resp;
  resp.content_type = "text/event-stream";
  resp.headers.emplace_back("Cache-Control", "no-store");
  // An id field with no data still sets the browser's last event id (WHATWG HTML §9.2.6:
  // the id is taken before the empty-data check), so it leads the answer.
  resp.body = "retry: 100\nid: " + id + "\n\n" + (events.empty() ? std::string(": idle\n\n") : events);
  p.responder.Send(std::move(resp));
  return true;
}

void Dashboard::FeedLoop() {
  // 50 ms ticks: a record reaches an open tail within ~50 ms plus the browser's reconnect.
  std::vector<std::unique_ptr<Parked>> work;
  for (uint64_t tick = 0;; ++tick) {
    const bool stopping = stop_.load();
    // Every 4th tick (~200 ms) the search index follows the log on the pool, one refresh
    // queued at a time, so a search under produce load has at most ~200 ms of records left to
    // index itself.
    if (tick % 4 == 0 && !stopping && !index_refresh_queued_.exchange(true)) {
      if (!pool_.Post([this] {
            message_index_.Refresh(log_);
            index_refresh_queued_ = false;
          })) {
        index_refresh_queued_ = false;
      }
    }
    {
      MutexLock lock(parked_mu_);
      work.swap(parked_);
    }
    const auto now = std::chrono::steady_clock::now();
    std::vector<std::unique_ptr<Parked>> keep;
    for (auto& p : work) {
      if (!TryAnswer(*p, stopping || now >= p->deadline)) keep.push_back(std::move(p));
    }
    work.clear();
    if (!keep.empty()) {
      MutexLock lock(parked_mu_);
      for (auto& p : keep) parked_.push_back(std::move(p));
    }
    if (stopping) {
      MutexLock lock(parked_mu_);
      for (auto& p : parked_) TryAnswer(*p, true);
      parked_.clear();
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace pinpipe::ui
