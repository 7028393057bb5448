// The dashboard's log, consumer-group, sink and DAG documents (on the work pool).
#include <simdjson.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>

#include "common/file_system.h"
#include "common/json_validator.h"
#include "common/murmur2.h"
#include "common/mutex.h"
#include "log/offset_store.h"
#include "log/record_batch.h"
#include "orchestrator/run_history.h"
#include "sink/sink_state.h"
#include "ui/api_json.h"
#include "ui/dashboard.h"
#include "ui/error_response.h"
#include "ui/sink_objects_json.h"

namespace pinpipe::ui {
namespace {

bool ParseInt(std::string_view s, int64_t& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

// Reads up to `limit` records of one partition from `from`.
void ReadRecords(const log::LogManager& log, const std::string& topic, int32_t part, int64_t from, size_t limit,
                 std::vector<MessageRow>& out, int64_t& scanned) {
  std::string buf;
  size_t got = 0;
  while (got < limit) {
    buf.clear();
    auto rr = log.Read(topic, part, from, 1 << 20, buf);
    if (!rr || rr->bytes == 0) {
      if (rr && rr->skipped() && rr->skipped_to > from) {
        from = rr->skipped_to;
        continue;
      }
      return;
    }
    log::RecordReader reader(buf, from);
    log::RecordView rec;
    std::vector<log::Header> hs;
    int64_t next = from;
    while (got < limit && reader.Next(rec)) {
      ++scanned;
      out.push_back(MessageRowOf(part, rec, hs));
      ++got;
      next = rec.offset + 1;
    }
    if (next == from) return;  // nothing decodable
    from = next;
  }
}

}  // namespace

http::Response Dashboard::Topics() {
  std::vector<TopicRow> rows;
  std::map<std::string, std::vector<GroupLagRow>> lag_by_topic;
  std::map<std::pair<std::string, int32_t>, int64_t> hwm;
  const int64_t now = history_.last_time();
  for (const auto& t : log_.ListTopics()) {
    TopicRow row;
    row.name = t.name;
    for (int32_t p = 0; p < t.partitions; ++p) {
      auto info = log_.GetPartitionInfo(t.name, p);
      if (!info) continue;
      PartitionRow pr;
      pr.partition = p;
      pr.log_start_offset = info->log_start_offset;
      pr.high_watermark = info->high_watermark;
      pr.size_bytes = info->size_bytes;
      pr.segments = info->segments;
      pr.records_per_s = NAN;
      {
        MutexLock lock(marks_mu_);
        if (auto it = marks_.find({t.name, p}); it != marks_.end()) pr.last_produced_ms = it->second.moved_ms;
      }
      hwm[{t.name, p}] = info->high_watermark;
      row.partitions.push_back(pr);
    }
    // The topic's rate over the last 10 s, put on partition 0's total (per-partition rates
    // are not sampled: one series per topic keeps the history small).
    auto sp = history_.Query("topic." + t.name + ".records", 10, now);
    double sum = 0;
    int n = 0;
    for (const auto& [ts, v] : sp.points) {
      if (std::isfinite(v)) {
        sum += v;
        ++n;
      }
    }
    if (!row.partitions.empty()) row.partitions[0].records_per_s = n ? sum / n : NAN;
    rows.push_back(std::move(row));
  }
  for (const auto& g : log_.offsets().Groups()) {
    std::map<std::string, int64_t> lag;
    for (const auto& [topic, part, c] : log_.offsets().FetchAll(g)) {
      auto it = hwm.find({topic, part});
      if (it != hwm.end()) lag[topic] += std::max<int64_t>(0, it->second - c.offset);
    }
    for (const auto& [topic, l] : lag) lag_by_topic[topic].push_back({g, l});
  }
  for (auto& r : rows) r.groups = lag_by_topic[r.name];
  return http::Response::Json(200, TopicsJson(rows));
}

namespace {

// The `partition` query parameter: "all" (or absent) = every partition of the topic, else one
// partition number in range. False when it is neither.
bool SelectPartitions(const std::string& partition, int32_t count, std::vector<int32_t>& out) {
  if (partition == "all" || partition.empty()) {
    for (int32_t p = 0; p < count; ++p) out.push_back(p);
    return true;
  }
  int64_t p = 0;
  if (!ParseInt(partition, p) || p < 0 || p >= count) return false;
  out.push_back(static_cast<int32_t>(p));
  return true;
}

}  // namespace

http::Response Dashboard::Messages(std::string topic, std::string partition, std::string from, std::string arg,
                                   int64_t limit) {
  auto t = log_.GetTopic(topic);
  if (!t) return ErrorResponse(404, "no such topic");
  std::vector<int32_t> parts;
  if (!SelectPartitions(partition, t->partitions, parts)) return ErrorResponse(400, "bad partition");
  int64_t n_arg = 0;
  if ((from == "offset" || from == "timestamp") && !ParseInt(arg, n_arg)) return ErrorResponse(400, "arg must be an integer");
  if (from != "newest" && from != "beginning" && from != "offset" && from != "timestamp") {
    return ErrorResponse(400, "from must be newest, beginning, offset or timestamp");
  }
  std::vector<MessageRow> rows;
  int64_t scanned = 0;
  for (int32_t p : parts) {
    auto info = log_.GetPartitionInfo(topic, p);
    if (!info) continue;
    int64_t start = info->log_start_offset;
    if (from == "newest") {
      start = std::max(info->log_start_offset, info->high_watermark - limit);
    } else if (from == "offset") {
      start = std::clamp(n_arg, info->log_start_offset, info->high_watermark);
    } else if (from == "timestamp") {
      auto o = log_.OffsetForTimestamp(topic, p, n_arg);
      start = o ? *o : info->high_watermark;
      if (start < 0) start = info->high_watermark;
    }
    ReadRecords(log_, topic, p, start, static_cast<size_t>(limit), rows, scanned);
  }
  // Partitions merged by time (the newest N when reading from the end).
  std::stable_sort(rows.begin(), rows.end(), [](const MessageRow& a, const MessageRow& b) {
    return a.timestamp_ms != b.timestamp_ms ? a.timestamp_ms < b.timestamp_ms : a.partition < b.partition;
  });
  if (rows.size() > static_cast<size_t>(limit)) {
    if (from == "newest") {
      rows.erase(rows.begin(), rows.end() - limit);
    } else {
      rows.resize(static_cast<size_t>(limit));
    }
  }
  std::string next;
  if (!rows.empty() && from != "newest" && parts.size() == 1) next = std::to_string(rows.back().offset + 1);
  return http::Response::Json(200, MessagesJson(topic, rows, scanned, next));
}

namespace {

// "<partition>:<offset>,..." → the offset to continue from, per partition.
bool ParseCursor(const std::string& cursor, std::map<int32_t, int64_t>& out) {
  std::string_view rest = cursor;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const size_t colon = item.find(':');
    int64_t p = 0, o = 0;
    if (colon == std::string_view::npos || !ParseInt(item.substr(0, colon), p) || !ParseInt(item.substr(colon + 1), o) ||
        p < 0 || p > std::numeric_limits<int32_t>::max() || o < 0) {
      return false;
    }
    out[static_cast<int32_t>(p)] = o;
  }
  return true;
}

}  // namespace

http::Response Dashboard::Search(std::string topic, SearchParams sp) {
  constexpr int64_t kDefaultMaxScan = 100'000, kMaxMaxScan = 10'000'000;
  auto t = log_.GetTopic(topic);
  if (!t) return ErrorResponse(404, "no such topic");
  std::vector<int32_t> parts;
  if (!SelectPartitions(sp.partition, t->partitions, parts)) return ErrorResponse(400, "bad partition");
  const int64_t limit = sp.limit;
  MessageIndex::Query q;
  q.key = std::move(sp.key);
  q.limit = static_cast<size_t>(limit);
  if (!sp.from_ts.empty() && !ParseInt(sp.from_ts, q.from_ts)) return ErrorResponse(400, "from_ts must be epoch ms");
  if (!sp.to_ts.empty() && !ParseInt(sp.to_ts, q.to_ts)) return ErrorResponse(400, "to_ts must be epoch ms");
  auto filter = ValueFilter::Parse(sp.contains, sp.field, sp.case_sensitive);
  if (!filter) return ErrorResponse(400, filter.error().message());
  if (filter->active()) q.value = &*filter;
  int64_t max_scan = kDefaultMaxScan;
  if (!sp.max_scan.empty() && (!ParseInt(sp.max_scan, max_scan) || max_scan < 1 || max_scan > kMaxMaxScan)) {
    return ErrorResponse(400, "max_scan must be 1.." + std::to_string(kMaxMaxScan));
  }
  std::map<int32_t, int64_t> cursor;
  if (!ParseCursor(sp.cursor, cursor)) return ErrorResponse(400, "cursor must be <partition>:<offset>,... as the last answer's next");
  if (!q.key && sp.from_ts.empty() && sp.to_ts.empty() && !q.value) {
    return ErrorResponse(400, "give a key, from_ts, to_ts, contains or field");
  }
  // Partitions one after the other, sharing the budget of records to decode.
  std::vector<MessageRow> rows;
  MessageIndex::Stats stats;
  std::map<int32_t, MessageIndex::Position> reached;
  for (int32_t p : parts) {
    auto c = cursor.find(p);
    q.from_offset = c == cursor.end() ? 0 : c->second;
    q.max_scan = max_scan - stats.scanned;
    auto pos = message_index_.Search(log_, topic, p, q, rows, stats);
    if (!pos) return ErrorResponse(500, pos.error().message());
    reached[p] = *pos;
  }
  // Partitions merged by time; the first `limit`. A partition whose rows were cut continues
  // from its first cut row.
  std::stable_sort(rows.begin(), rows.end(), [](const MessageRow& a, const MessageRow& b) {
    return a.timestamp_ms != b.timestamp_ms ? a.timestamp_ms < b.timestamp_ms : a.partition < b.partition;
  });
  for (size_t i = static_cast<size_t>(limit); i < rows.size(); ++i) {
    auto& r = reached[rows[i].partition];
    r.next = std::min(r.next, rows[i].offset);
  }
  if (rows.size() > static_cast<size_t>(limit)) rows.resize(static_cast<size_t>(limit));
  std::string next;
  bool finished = true;
  for (const auto& [p, r] : reached) {
    finished &= r.next >= r.end;
    next += (next.empty() ? "" : ",") + std::to_string(p) + ":" + std::to_string(r.next);
  }
  if (finished) next.clear();
  return http::Response::Json(200, SearchJson(topic, rows, {.scanned = stats.scanned, .total = stats.total,
                                                            .blocks_read = stats.blocks_read, .blocks_total = stats.blocks_total,
                                                            .indexed = stats.indexed, .max_scan = max_scan, .next = next}));
}

http::Response Dashboard::Produce(std::string topic, std::string body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS || !doc.is_object()) return ErrorResponse(400, "body must be a JSON object");
  auto t = log_.GetTopic(topic);
  if (!t) return ErrorResponse(404, "no such topic");
  std::string format = "json";
  if (std::string_view f; doc["format"].get_string().get(f) == simdjson::SUCCESS) format = std::string(f);
  std::optional<std::string> key, value;
  if (std::string_view k; doc["key"].get_string().get(k) == simdjson::SUCCESS && !k.empty()) key = std::string(k);
  if (std::string_view v; doc["value"].get_string().get(v) == simdjson::SUCCESS) value = std::string(v);
  if (format == "json") {
    // As the REST Proxy stores json: minified, and only what every reader accepts.
    for (auto* s : {&key, &value}) {
      if (!*s) continue;
      if (!ValidateJson(**s).ok) return ErrorResponse(422, s == &key ? "key is not valid JSON" : "value is not valid JSON");
      std::string min(s->value().size() + simdjson::SIMDJSON_PADDING, '\0');
      size_t len = 0;
      if (simdjson::minify(s->value().data(), s->value().size(), min.data(), len) != simdjson::SUCCESS) {
        return ErrorResponse(422, "not valid JSON");
      }
      min.resize(len);
      **s = std::move(min);
    }
  } else if (format != "string") {
    return ErrorResponse(400, "format must be json or string");
  }
  int64_t part = -1;
  if (int64_t p; doc["partition"].get_int64().get(p) == simdjson::SUCCESS) part = p;
  if (part >= t->partitions) return ErrorResponse(404, "no such partition");
  if (part < 0) part = key ? KafkaPartitionForKey(*key, t->partitions) : 0;
  std::vector<std::string> header_store;
  std::vector<log::Header> headers;
  if (simdjson::dom::array hs; doc["headers"].get_array().get(hs) == simdjson::SUCCESS) {
    header_store.reserve(2 * hs.size());
    for (auto h : hs) {
      std::string_view hk, hv;
      if (h["key"].get_string().get(hk) != simdjson::SUCCESS || hk.empty()) continue;
      if (h["value"].get_string().get(hv)) {}
      header_store.emplace_back(hk);
      header_store.emplace_back(hv);
    }
    for (size_t i = 0; i + 1 < header_store.size(); i += 2) headers.push_back({header_store[i], header_store[i + 1]});
  }
  log::Record rec;
  if (key) rec.key = *key;
  if (value) rec.value = *value;
  rec.headers = headers;
  // AppendSync waits for durability (fsync with log.flush=always): fine on a pool thread.
  auto res = log_.AppendSync(topic, static_cast<int32_t>(part), std::span<const log::Record>(&rec, 1));
  if (!res) return ErrorResponse(500, res.error().message());
  JsonWriter w;
  w.BeginObject().Field("topic", std::string_view(topic)).Key("partition").Int(part).Key("offset").Int(res->base_offset).EndObject();
  return http::Response::Json(200, w.Take());
}

http::Response Dashboard::Groups() {
  std::vector<GroupRow> rows;
  for (const auto& g : log_.offsets().Groups()) {
    GroupRow row;
    row.group = g;
    if (hooks_.group_members) row.members = hooks_.group_members(g);
    for (const auto& [topic, part, c] : log_.offsets().FetchAll(g)) {
      GroupPartitionRow p;
      p.topic = topic;
      p.partition = part;
      p.committed = c.offset;
      auto info = log_.GetPartitionInfo(topic, part);
      p.high_watermark = info ? info->high_watermark : 0;
      row.partitions.push_back(std::move(p));
    }
    rows.push_back(std::move(row));
  }
  return http::Response::Json(200, GroupsJson(rows));
}

http::Response Dashboard::Sink() {
  JsonWriter w;
  w.BeginObject();
  if (options_.sink_state_dir.empty()) {
    w.Field("enabled", false).EndObject();
    return http::Response::Json(200, w.Take());
  }
  sink::StateStore store(FileSystem::Default(), options_.sink_state_dir);
  auto st = store.LoadForStatus();
  w.Field("enabled", true);
  if (!st) {
    w.Field("error", st.error().message()).Key("partitions").BeginArray().EndArray().EndObject();
    return http::Response::Json(200, w.Take());
  }
  std::shared_ptr<const sink::SinkLiveObjects> objects = hooks_.sink_objects ? hooks_.sink_objects() : nullptr;
  if (objects) AppendSinkRotation(w, *objects);
  w.Key("partitions").BeginArray();
  for (const auto& [tp, ps] : st->partitions) {
    auto info = log_.GetPartitionInfo(tp.topic, tp.partition);
    w.BeginObject().Field("topic", std::string_view(tp.topic)).Field("partition", tp.partition);
    w.Key("committed").Int(ps.committed).Key("log_end").Int(info ? info->high_watermark : ps.log_end);
    w.Key("objects").Int(static_cast<int64_t>(ps.objects)).Key("bytes").Int(static_cast<int64_t>(ps.bytes));
    w.Key("records").Int(static_cast<int64_t>(ps.records)).Key("skipped").Int(static_cast<int64_t>(ps.skipped));
    w.Key("dlq").Int(static_cast<int64_t>(ps.dlq)).Field("failed", ps.failed).Field("last_error", std::string_view(ps.last_error));
    if (objects) AppendSinkObjects(w, *objects, tp);
    w.EndObject();
  }
  w.EndArray();
  // The running connector's Connect status (state RUNNING/PAUSED, task ids for restarts).
  if (hooks_.sink_control) {
    if (auto c = hooks_.sink_control("status", false, false, -1)) w.Key("connector").Raw(*c);
  }
  w.EndObject();
  return http::Response::Json(200, w.Take());
}

http::Response Dashboard::Dags(int64_t limit) {
  std::vector<RunRow> rows;
  std::vector<std::string> dags = hooks_.dag_ids ? hooks_.dag_ids() : std::vector<std::string>{};
  if (auto* runs = Runs()) {
    auto list = runs->ListRuns("", static_cast<int>(limit));
    if (!list) return ErrorResponse(500, list.error().message());
    for (auto& r : *list) {
      RunRow row;
      row.run = std::move(r);
      if (auto tasks = runs->Tasks(row.run.id)) row.tasks = std::move(*tasks);
      rows.push_back(std::move(row));
    }
  }
  return http::Response::Json(200, RunsJson(rows, dags));
}

http::Response Dashboard::Trigger(std::string dag, std::string body) {
  if (!hooks_.trigger_dag) return ErrorResponse(503, "the scheduler is not running in this process");
  std::string date;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (!body.empty() && parser.parse(body).get(doc) == simdjson::SUCCESS) {
    if (std::string_view d; doc["date"].get_string().get(d) == simdjson::SUCCESS) date = std::string(d);
  }
  if (!date.empty()) {
    // YYYY-MM-DD, checked before anything starts.
    bool ok = date.size() == 10 && date[4] == '-' && date[7] == '-';
    for (size_t i = 0; ok && i < date.size(); ++i) ok = (i == 4 || i == 7) || (date[i] >= '0' && date[i] <= '9');
    if (!ok) return ErrorResponse(400, "date must be YYYY-MM-DD");
  }
  auto r = hooks_.trigger_dag(dag, date);
  if (!r) {
    return ErrorResponse(r.error().code() == ErrorCode::kNotFound ? 404 : r.error().code() == ErrorCode::kAlreadyExists ? 409 : 400,
                 r.error().message());
  }
  JsonWriter w;
  w.BeginObject().Field("dag_id", std::string_view(dag)).Field("started", std::string_view(*r)).EndObject();
  return http::Response::Json(202, w.Take());
}

}  // namespace pinpipe::ui
