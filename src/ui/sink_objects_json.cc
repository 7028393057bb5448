#include "ui/sink_objects_json.h"

namespace pinpipe::ui {
namespace {

void IntOrNull(JsonWriter& w, std::string_view key, int64_t v) {
  w.Key(key);
  if (v >= 0) {
    w.Int(v);
  } else {
    w.Null();
  }
}

}  // namespace

void AppendSinkRotation(JsonWriter& w, const sink::SinkLiveObjects& v) {
  w.Key("rotation").BeginObject().Key("flush_size").Int(v.flush_size);
  IntOrNull(w, "rotate_interval_ms", v.rotate_interval_ms);
  IntOrNull(w, "rotate_schedule_interval_ms", v.rotate_schedule_interval_ms);
  w.Key("updated_ms").Int(v.updated_ms).EndObject();
}

void AppendSinkObjects(JsonWriter& w, const sink::SinkLiveObjects& v, const sink::TopicPartition& tp) {
  auto it = v.partitions.find(tp);
  if (it == v.partitions.end()) return;
  const auto& p = it->second;
  w.Key("open").BeginObject().Key("start_offset").Int(p.open_start).Key("records").Int(p.open_records);
  w.Key("bytes").Int(static_cast<int64_t>(p.open_bytes));
  IntOrNull(w, "since_ms", p.open_since_ms);
  IntOrNull(w, "first_record_ms", p.open_first_record_ms);
  // The next cut is whichever rule fires first: `records_left` more records (flush.size), the
  // wall clock reaching `rotate_at_ms` (checked while caught up), or a record whose time is at
  // or after `rotate_at_record_ms`.
  w.Key("next_rotation").BeginObject();
  w.Key("records_left").Int(std::max<int64_t>(0, v.flush_size - p.open_records));
  IntOrNull(w, "rotate_at_ms", p.rotate_at_ms);
  IntOrNull(w, "rotate_at_record_ms",
            v.rotate_interval_ms > 0 && p.open_first_record_ms >= 0 ? p.open_first_record_ms + v.rotate_interval_ms : -1);
  w.EndObject().EndObject();
  w.Key("recent").BeginArray();
  for (auto o = p.recent.rbegin(); o != p.recent.rend(); ++o) {
    w.BeginObject().Field("key", std::string_view(o->key)).Key("bytes").Int(static_cast<int64_t>(o->bytes));
    w.Key("records").Int(o->records).Key("start_offset").Int(o->start).Key("end_offset").Int(o->end);
    w.Key("committed_ms").Int(o->committed_ms).EndObject();
  }
  w.EndArray();
}

}  // namespace pinpipe::ui
