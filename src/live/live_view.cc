#include "live/live_view.h"

#include "common/json_writer.h"
#include "emulator/json_value.h"
#include "http/response.h"
#include "pinterest/analytics.h"

namespace pinpipe::live {

namespace {

void AppendCell(std::string& out, const pinterest::ResultColumn& c, size_t row) {
  if (c.IsNull(row)) {
    out += "null";
    return;
  }
  switch (c.type) {
    case pinterest::ColumnType::kDouble: AppendJsonDouble(out, c.doubles[row]); break;
    case pinterest::ColumnType::kString: AppendJsonString(out, c.strings[row]); break;
    default: AppendJsonInt(out, c.ints[row]); break;
  }
}

void AppendCounts(std::string& out, const LiveCounts& c) {
  out += "{\"pin\":" + std::to_string(c.pins) + ",\"geo\":" + std::to_string(c.geos) +
         ",\"user\":" + std::to_string(c.users) + "}";
}

}  // namespace

std::string TableJson(const LiveSnapshot& s, size_t index, bool batch_view) {
  const pinterest::ResultTable& t = (batch_view ? s.batch : s.live)[index];
  std::string out = "{\"table\":";
  AppendJsonString(out, t.name);
  out += ",\"view\":";
  out += batch_view ? "\"batch\"" : "\"live\"";
  out += ",\"median\":";
  AppendJsonString(out, pinterest::MedianModeName(s.median));
  out += ",\"columns\":[";
  for (size_t c = 0; c < t.columns.size(); ++c) {
    if (c) out += ",";
    out += "{\"name\":";
    AppendJsonString(out, t.columns[c].name);
    out += ",\"type\":";
    AppendJsonString(out, pinterest::ColumnTypeName(t.columns[c].type));
    out += "}";
  }
  out += "],\"rows\":[";
  for (size_t r = 0; r < t.num_rows(); ++r) {
    out += r ? ",{" : "{";
    for (size_t c = 0; c < t.columns.size(); ++c) {
      if (c) out += ",";
      AppendJsonString(out, t.columns[c].name);
      out += ":";
      AppendCell(out, t.columns[c], r);
    }
    out += "}";
  }
  out += "],\"boundary\":";
  if (s.boundary) {
    std::string b = batch::EncodeAnalyticsBoundary(*s.boundary);
    while (!b.empty() && b.back() == '\n') b.pop_back();
    out += b;
  } else {
    out += "null";
  }
  out += ",\"stream_versions\":{\"pin\":" + std::to_string(s.stream_versions[0]) +
         ",\"geo\":" + std::to_string(s.stream_versions[1]) +
         ",\"user\":" + std::to_string(s.stream_versions[2]) + "}";
  out += ",\"stream_rows_in_batch\":{\"pin\":" + std::to_string(s.stream_in_batch[0]) +
         ",\"geo\":" + std::to_string(s.stream_in_batch[1]) + ",\"user\":" + std::to_string(s.stream_in_batch[2]) + "}";
  const auto& j = s.join_store;
  out += ",\"join_store\":{\"rows\":" + std::to_string(j.rows) + ",\"disk_bytes\":" + std::to_string(j.disk_bytes) +
         ",\"cache_bytes\":" + std::to_string(j.cache_bytes) + ",\"page_reads\":" + std::to_string(j.page_reads) +
         ",\"page_writes\":" + std::to_string(j.page_writes) + "}";
  out += ",\"rows_in\":{\"batch\":";
  AppendCounts(out, s.batch_counts);
  out += ",\"live\":";
  AppendCounts(out, s.counts);
  out += "},\"generation\":" + std::to_string(s.generation) +
         ",\"updated_ms\":" + std::to_string(s.updated_ms);
  if (!s.last_error.empty()) {
    out += ",\"error\":";
    AppendJsonString(out, s.last_error);
  }
  out += "}";
  return out;
}

Result<pinterest::ResultTable> TableFromJson(std::string_view json) {
  PINPIPE_ASSIGN_OR_RETURN(emulator::JsonValue v, emulator::JsonValue::Parse(json));
  auto bad = [](std::string_view what) {
    return MakeError(ErrorCode::kCorruption, "analytics JSON: " + std::string(what));
  };
  const emulator::JsonValue* name = v.Find("table");
  const emulator::JsonValue* columns = v.Find("columns");
  const emulator::JsonValue* rows = v.Find("rows");
  if (!name || !name->is_string() || !columns || !columns->is_array() || !rows || !rows->is_array()) {
    return bad("needs table, columns and rows");
  }
  pinterest::ResultTable t;
  t.name = name->text();
  const auto& names = pinterest::AnalyticsTableNames();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == t.name) t.title = pinterest::EmptyAnalyticsTable(i, pinterest::MedianMode::kLower).title;
  }
  for (const auto& c : columns->items()) {
    const emulator::JsonValue* n = c.Find("name");
    const emulator::JsonValue* ty = c.Find("type");
    if (!n || !ty) return bad("a column needs name and type");
    pinterest::ColumnType type = pinterest::ColumnType::kString;
    for (auto k : {pinterest::ColumnType::kLong, pinterest::ColumnType::kInt, pinterest::ColumnType::kString,
                   pinterest::ColumnType::kDouble, pinterest::ColumnType::kTimestamp}) {
      if (pinterest::ColumnTypeName(k) == ty->text()) type = k;
    }
    t.columns.emplace_back(n->text(), type);
  }
  for (const auto& row : rows->items()) {
    for (auto& col : t.columns) {
      const emulator::JsonValue* cell = row.Find(col.name);
      if (!cell || cell->is_null()) {
        col.PushNull();
      } else if (col.type == pinterest::ColumnType::kString) {
        col.PushString(cell->text());
      } else if (col.type == pinterest::ColumnType::kDouble) {
        col.PushDouble(cell->as_double().value_or(0));
      } else {
        col.PushInt(cell->as_int().value_or(0));
      }
    }
  }
  return t;
}

void RegisterLiveRoutes(http::Router& router, const LiveView& view,
                        const std::function<http::Handler(http::Handler)>& guard) {
  auto unavailable = [](http::Responder& r) {
    r.Send(http::Response::Json(503, "{\"error_code\":503,\"message\":\"the live view is not built yet\"}"));
  };
  router.Add("GET", "/analytics", guard([&view, unavailable](const http::Request&, http::Responder r) {
    auto s = view.Current();
    if (!s) return unavailable(r);
    std::string out = "{\"tables\":[";
    const auto& names = pinterest::AnalyticsTableNames();
    for (size_t i = 0; i < names.size(); ++i) {
      if (i) out += ",";
      AppendJsonString(out, names[i]);
    }
    out += "],\"generation\":" + std::to_string(s->generation) + "}";
    r.Send(http::Response::Json(200, std::move(out)));
  }));
  router.Add("GET", "/analytics/{name}", guard([&view, unavailable](const http::Request& q, http::Responder r) {
    auto s = view.Current();
    if (!s) return unavailable(r);
    const bool batch_view = q.QueryParam("view").value_or("") == "batch";
    const auto& names = pinterest::AnalyticsTableNames();
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == q.PathParam("name")) {
        return r.Send(http::Response::Json(200, (batch_view ? s->batch_json : s->live_json)[i]));
      }
    }
    std::string msg = "{\"error_code\":404,\"message\":";
    AppendJsonString(msg, "no analytics table " + std::string(q.PathParam("name")));
    r.Send(http::Response::Json(404, msg + "}"));
  }));
}

}  // namespace pinpipe::live
