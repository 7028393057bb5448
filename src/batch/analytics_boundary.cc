#include "batch/analytics_boundary.h"

#include <simdjson.h>

#include "common/json_writer.h"

namespace pinpipe::batch {

std::string EncodeAnalyticsBoundary(const AnalyticsBoundary& b) {
  JsonWriter w;
  w.BeginObject()
      .Field("dag_id", b.dag_id)
      .Field("run_id", b.run_id)
      .Field("logical_date", b.logical_date)
      .Field("finished_ms", b.finished_ms);
  w.Key("input_versions").BeginObject()
      .Field("pin", b.pin_version)
      .Field("geo", b.geo_version)
      .Field("user", b.user_version)
      .EndObject();
  if (b.window) w.Key("window").BeginObject().Field("first", b.window->first).Field("last", b.window->last).EndObject();
  w.EndObject();
  std::string out = w.Take();
  out += '\n';
  return out;
}

Result<AnalyticsBoundary> DecodeAnalyticsBoundary(std::string_view json) {
  auto bad = [](std::string_view what) {
    return MakeError(ErrorCode::kCorruption, "analytics boundary: " + std::string(what));
  };
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root)) return bad("not valid JSON");
  AnalyticsBoundary b;
  std::string_view s;
  int64_t i = 0;
  if (!root["dag_id"].get(s)) b.dag_id = s;
  if (!root["run_id"].get(s)) b.run_id = s;
  if (!root["logical_date"].get(s)) b.logical_date = s;
  if (!root["finished_ms"].get(i)) b.finished_ms = i;
  simdjson::dom::element v;
  if (root["input_versions"].get(v)) return bad("missing input_versions");
  if (v["pin"].get(b.pin_version) || v["geo"].get(b.geo_version) || v["user"].get(b.user_version)) {
    return bad("input_versions needs pin, geo and user");
  }
  simdjson::dom::element win;
  if (!root["window"].get(win)) {
    std::string_view first, last;
    if (win["first"].get(first) || win["last"].get(last)) return bad("window needs first and last");
    b.window = DateRange{std::string(first), std::string(last)};
  }
  return b;
}

Result<std::optional<AnalyticsBoundary>> ReadAnalyticsBoundary(objstore::ObjectStore& store) {
  auto bytes = store.Get(kAnalyticsBoundaryKey);
  if (!bytes) {
    if (bytes.error().code() == ErrorCode::kNotFound) return std::optional<AnalyticsBoundary>();
    return std::unexpected(bytes.error());
  }
  PINPIPE_ASSIGN_OR_RETURN(AnalyticsBoundary b, DecodeAnalyticsBoundary(*bytes));
  return std::optional<AnalyticsBoundary>(std::move(b));
}

Status WriteAnalyticsBoundary(objstore::ObjectStore& store, const AnalyticsBoundary& b) {
  return store.Put(kAnalyticsBoundaryKey, EncodeAnalyticsBoundary(b));
}

}  // namespace pinpipe::batch
