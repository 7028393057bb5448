#include "ui/api_json.h"

#include <cmath>

#include "common/json_validator.h"
#include "common/utf8.h"
#include "pinterest/country_codes.h"
#include "report/world_map.h"
#include "report/world_shapes.h"

namespace pinpipe::ui {

void AppendNumber(JsonWriter& w, double v) {
  if (std::isfinite(v)) {
    w.Double(v);
  } else {
    w.Null();
  }
}

std::string HexString(std::string_view bytes, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  const size_t n = std::min(bytes.size(), max_bytes);
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

MessageRow MessageRowOf(int32_t partition, const log::RecordView& rec, std::vector<log::Header>& headers) {
  MessageRow m;
  m.partition = partition;
  m.offset = rec.offset;
  m.timestamp_ms = rec.timestamp_ms;
  if (rec.key) m.key = std::string(*rec.key);
  if (rec.value) m.value = std::string(*rec.value);
  headers.clear();
  if (rec.ParseHeaders(headers)) {
    for (const auto& h : headers) {
      m.headers.emplace_back(std::string(h.key), h.value ? std::optional<std::string>(std::string(*h.value)) : std::nullopt);
    }
  }
  return m;
}

void AppendPayload(JsonWriter& w, const std::optional<std::string>& bytes, size_t max_hex) {
  if (!bytes) {
    w.Null();
    return;
  }
  w.BeginObject();
  w.Key("size").Int(static_cast<int64_t>(bytes->size()));
  if (IsValidUtf8(*bytes)) {
    w.Field("text", std::string_view(*bytes));
    w.Field("json", !bytes->empty() && ValidateJson(*bytes).ok);
  }
  w.Field("hex", HexString(*bytes, max_hex));
  w.EndObject();
}

namespace {
void AppendRecords(JsonWriter& w, const std::vector<MessageRow>& rows) {
  w.Key("records").BeginArray();
  for (const auto& r : rows) {
    w.BeginObject();
    w.Field("partition", r.partition).Key("offset").Int(r.offset).Key("timestamp").Int(r.timestamp_ms);
    w.Key("key");
    AppendPayload(w, r.key);
    w.Key("value");
    AppendPayload(w, r.value);
    w.Key("headers").BeginArray();
    for (const auto& [k, v] : r.headers) {
      w.BeginObject().Field("key", std::string_view(k)).Key("value");
      AppendPayload(w, v, 256);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}
}  // namespace

std::string MessagesJson(std::string_view topic, const std::vector<MessageRow>& rows, int64_t scanned,
                         std::string_view next) {
  JsonWriter w;
  w.BeginObject().Field("topic", topic).Key("scanned").Int(scanned).Field("next", next);
  AppendRecords(w, rows);
  w.EndObject();
  return w.Take();
}

std::string SearchJson(std::string_view topic, const std::vector<MessageRow>& rows, const SearchCounts& c) {
  JsonWriter w;
  w.BeginObject().Field("topic", topic).Key("scanned").Int(c.scanned).Key("total").Int(c.total);
  w.Key("blocks_read").Int(c.blocks_read).Key("blocks_total").Int(c.blocks_total).Key("indexed").Int(c.indexed);
  w.Key("max_scan").Int(c.max_scan).Key("next");
  if (c.next.empty()) w.Null(); else w.String(c.next);
  AppendRecords(w, rows);
  w.EndObject();
  return w.Take();
}

std::string TopicsJson(const std::vector<TopicRow>& topics) {
  JsonWriter w;
  w.BeginObject().Key("topics").BeginArray();
  for (const auto& t : topics) {
    int64_t records = 0;
    uint64_t bytes = 0;
    double rate = 0;
    int64_t last = -1;
    for (const auto& p : t.partitions) {
      records += p.high_watermark - p.log_start_offset;
      bytes += p.size_bytes;
      if (std::isfinite(p.records_per_s)) rate += p.records_per_s;
      last = std::max(last, p.last_produced_ms);
    }
    w.BeginObject().Field("name", std::string_view(t.name));
    w.Field("partition_count", static_cast<int64_t>(t.partitions.size()));
    w.Key("records").Int(records).Key("size_bytes").Int(static_cast<int64_t>(bytes));
    w.Key("records_per_s");
    AppendNumber(w, rate);
    w.Key("last_produced_ms").Int(last);
    w.Key("partitions").BeginArray();
    for (const auto& p : t.partitions) {
      w.BeginObject().Field("partition", p.partition);
      w.Key("log_start_offset").Int(p.log_start_offset).Key("high_watermark").Int(p.high_watermark);
      w.Key("size_bytes").Int(static_cast<int64_t>(p.size_bytes)).Field("segments", p.segments);
      w.Key("records_per_s");
      AppendNumber(w, p.records_per_s);
      w.Key("last_produced_ms").Int(p.last_produced_ms);
      w.EndObject();
    }
    w.EndArray();
    w.Key("groups").BeginArray();
    for (const auto& g : t.groups) w.BeginObject().Field("group", std::string_view(g.group)).Key("lag").Int(g.lag).EndObject();
    w.EndArray();
    w.EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

std::string GroupsJson(const std::vector<GroupRow>& groups) {
  JsonWriter w;
  w.BeginObject().Key("groups").BeginArray();
  for (const auto& g : groups) {
    w.BeginObject().Field("group", std::string_view(g.group)).Key("lag").Int(g.total_lag());
    w.Key("members").BeginArray();
    for (const auto& m : g.members) w.String(m);
    w.EndArray();
    w.Key("partitions").BeginArray();
    for (const auto& p : g.partitions) {
      w.BeginObject().Field("topic", std::string_view(p.topic)).Field("partition", p.partition);
      w.Key("committed").Int(p.committed).Key("high_watermark").Int(p.high_watermark).Key("lag").Int(p.lag());
      w.EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

std::string RunsJson(const std::vector<RunRow>& runs, const std::vector<std::string>& dags) {
  JsonWriter w;
  w.BeginObject().Key("dags").BeginArray();
  for (const auto& d : dags) w.String(d);
  w.EndArray();
  w.Key("runs").BeginArray();
  for (const auto& r : runs) {
    w.BeginObject().Key("id").Int(r.run.id).Field("dag_id", std::string_view(r.run.dag_id));
    w.Field("run_id", std::string_view(r.run.run_id)).Field("logical_date", std::string_view(r.run.logical_date));
    w.Field("trigger", orchestrator::TriggerName(r.run.trigger));
    w.Field("state", orchestrator::RunStateName(r.run.state));
    w.Key("start_us").Int(r.run.start_us).Key("end_us").Int(r.run.end_us);
    w.Key("tasks").BeginArray();
    for (const auto& t : r.tasks) {
      w.BeginObject().Field("task_id", std::string_view(t.task_id)).Field("state", orchestrator::TaskStateName(t.state));
      w.Field("attempts", t.attempts).Key("start_us").Int(t.start_us).Key("duration_us").Int(t.duration_us);
      w.Key("records_in").Int(t.records_in).Key("records_out").Int(t.records_out);
      w.Key("records_quarantined").Int(t.records_quarantined);
      w.Field("summary", std::string_view(t.summary)).Field("error", std::string_view(t.error));
      w.EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

void AppendSeries(JsonWriter& w, std::string_view name, const SeriesPoints& s) {
  w.BeginObject().Field("name", name).Key("step").Int(s.step);
  w.Key("t0").Int(s.points.empty() ? 0 : s.points.front().first);
  w.Key("values").BeginArray();
  for (const auto& [t, v] : s.points) AppendNumber(w, v);
  w.EndArray().EndObject();
}

std::string WorldMapJson() {
  JsonWriter w;
  w.BeginObject().Key("width").Double(report::kWorldWidth).Key("height").Double(report::kWorldHeight);
  w.Key("palette").BeginArray();
  for (size_t i = 0; i < report::CategoryPaletteSize(); ++i) w.String(report::CategoryColor(i));
  w.EndArray().Key("shapes").BeginArray();
  for (const auto& s : report::WorldShapes()) {
    w.BeginObject().Field("iso", s.iso).Field("name", s.name).Field("d", s.path).EndObject();
  }
  w.EndArray().Key("countries").BeginArray();
  for (const auto& c : pinterest::CountryCodes()) {
    w.BeginObject().Field("name", c.name).Field("iso", c.iso).Field("shaped", c.shaped && report::FindWorldShape(c.iso)).EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace pinpipe::ui
