#include "lake/delta_actions.h"

#include <simdjson.h>

#include "common/json_writer.h"

namespace pinpipe::lake {

namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// ---- writing ---------------------------------------------------------------------------------

void WriteStringMap(JsonWriter& w, std::string_view key, const StringMap& m) {
  w.Key(key).BeginObject();
  for (const auto& [k, v] : m) {
    w.Key(k);
    if (v) {
      w.String(*v);
    } else {
      w.Null();
    }
  }
  w.EndObject();
}

void WriteStringArray(JsonWriter& w, std::string_view key, const std::vector<std::string>& v) {
  w.Key(key).BeginArray();
  for (const auto& s : v) w.String(s);
  w.EndArray();
}

struct Writer {
  JsonWriter& w;

  void operator()(const Protocol& p) {
    w.Key("protocol").BeginObject();
    w.Field("minReaderVersion", p.min_reader_version);
    w.Field("minWriterVersion", p.min_writer_version);
    if (p.reader_features) WriteStringArray(w, "readerFeatures", *p.reader_features);
    if (p.writer_features) WriteStringArray(w, "writerFeatures", *p.writer_features);
    w.EndObject();
  }
  void operator()(const Metadata& m) {
    w.Key("metaData").BeginObject().Field("id", m.id);
    if (m.name) w.Field("name", *m.name);
    if (m.description) w.Field("description", *m.description);
    w.Key("format").BeginObject().Field("provider", m.format_provider);
    WriteStringMap(w, "options", m.format_options);
    w.EndObject();
    w.Field("schemaString", m.schema_string);
    WriteStringArray(w, "partitionColumns", m.partition_columns);
    WriteStringMap(w, "configuration", m.configuration);
    if (m.created_time) w.Field("createdTime", *m.created_time);
    w.EndObject();
  }
  void operator()(const AddFile& a) {
    w.Key("add").BeginObject().Field("path", a.path);
    WriteStringMap(w, "partitionValues", a.partition_values);
    w.Field("size", a.size).Field("modificationTime", a.modification_time);
    w.Field("dataChange", a.data_change);
    if (a.stats) w.Field("stats", *a.stats);
    if (!a.tags.empty()) WriteStringMap(w, "tags", a.tags);
    if (a.deletion_vector_json) w.Key("deletionVector").Raw(*a.deletion_vector_json);
    w.EndObject();
  }
  void operator()(const RemoveFile& r) {
    w.Key("remove").BeginObject().Field("path", r.path);
    if (r.deletion_timestamp) w.Field("deletionTimestamp", *r.deletion_timestamp);
    w.Field("dataChange", r.data_change);
    if (r.extended_file_metadata) {
      w.Field("extendedFileMetadata", *r.extended_file_metadata);
      WriteStringMap(w, "partitionValues", r.partition_values);
      if (r.size) w.Field("size", *r.size);
    }
    w.EndObject();
  }
  void operator()(const Txn& t) {
    w.Key("txn").BeginObject().Field("appId", t.app_id).Field("version", t.version);
    if (t.last_updated) w.Field("lastUpdated", *t.last_updated);
    w.EndObject();
  }
  void operator()(const CommitInfo& c) {
    w.Key("commitInfo").BeginObject();
    if (c.timestamp) w.Field("timestamp", *c.timestamp);
    w.Field("operation", c.operation);
    WriteStringMap(w, "operationParameters", c.operation_parameters);
    if (c.read_version) w.Field("readVersion", *c.read_version);
    if (c.is_blind_append) w.Field("isBlindAppend", *c.is_blind_append);
    if (!c.operation_metrics.empty()) WriteStringMap(w, "operationMetrics", c.operation_metrics);
    if (c.user_metadata) w.Field("userMetadata", *c.user_metadata);
    if (!c.engine_info.empty()) w.Field("engineInfo", c.engine_info);
    w.EndObject();
  }
};

// ---- reading ---------------------------------------------------------------------------------

std::unexpected<Error> Bad(std::string_view what, std::string msg) {
  return MakeError(ErrorCode::kCorruption, std::string(what) + ": " + std::move(msg));
}

std::optional<std::string> OptString(object o, std::string_view key) {
  std::string_view s;
  if (o[key].get(s)) return std::nullopt;
  return std::string(s);
}

std::optional<int64_t> OptInt(object o, std::string_view key) {
  int64_t v;
  if (o[key].get(v)) return std::nullopt;
  return v;
}

std::optional<bool> OptBool(object o, std::string_view key) {
  bool v;
  if (o[key].get(v)) return std::nullopt;
  return v;
}

StringMap ReadStringMap(object o, std::string_view key) {
  StringMap m;
  object inner;
  if (o[key].get(inner)) return m;
  for (auto [k, v] : inner) {
    std::string_view s;
    if (v.is_null()) {
      m.emplace(std::string(k), std::nullopt);
    } else if (!v.get(s)) {
      m.emplace(std::string(k), std::string(s));
    } else {
      m.emplace(std::string(k), simdjson::minify(v));
    }
  }
  return m;
}

std::optional<std::vector<std::string>> ReadStringArray(object o, std::string_view key) {
  simdjson::dom::array arr;
  if (o[key].get(arr)) return std::nullopt;
  std::vector<std::string> out;
  for (element e : arr) {
    std::string_view s;
    if (!e.get(s)) out.emplace_back(s);
  }
  return out;
}

Result<Action> ParseProtocol(object o, std::string_view what) {
  Protocol p;
  auto r = OptInt(o, "minReaderVersion");
  auto w = OptInt(o, "minWriterVersion");
  if (!r || !w) return Bad(what, "protocol action without minReaderVersion/minWriterVersion");
  p.min_reader_version = static_cast<int32_t>(*r);
  p.min_writer_version = static_cast<int32_t>(*w);
  p.reader_features = ReadStringArray(o, "readerFeatures");
  p.writer_features = ReadStringArray(o, "writerFeatures");
  return p;
}

Result<Action> ParseMetadata(object o, std::string_view what) {
  Metadata m;
  auto id = OptString(o, "id");
  if (!id) return Bad(what, "metaData action without id");
  m.id = std::move(*id);
  // Required by the protocol, yet some old writers (golden table corrupted-last-checkpoint)
  // omitted it; the snapshot treats an absent schema as a table without columns.
  m.schema_string = OptString(o, "schemaString").value_or("");
  m.name = OptString(o, "name");
  m.description = OptString(o, "description");
  object format;
  if (!o["format"].get(format)) {
    if (auto p = OptString(format, "provider")) m.format_provider = std::move(*p);
    m.format_options = ReadStringMap(format, "options");
  }
  if (auto cols = ReadStringArray(o, "partitionColumns")) m.partition_columns = std::move(*cols);
  m.configuration = ReadStringMap(o, "configuration");
  m.created_time = OptInt(o, "createdTime");
  return m;
}

Result<Action> ParseAdd(object o, std::string_view what) {
  AddFile a;
  auto path = OptString(o, "path");
  if (!path) return Bad(what, "add action without path");
  a.path = std::move(*path);
  a.partition_values = ReadStringMap(o, "partitionValues");
  a.size = OptInt(o, "size").value_or(0);
  a.modification_time = OptInt(o, "modificationTime").value_or(0);
  a.data_change = OptBool(o, "dataChange").value_or(true);
  a.stats = OptString(o, "stats");
  a.tags = ReadStringMap(o, "tags");
  element dv;
  if (!o["deletionVector"].get(dv) && !dv.is_null()) a.deletion_vector_json = simdjson::minify(dv);
  return a;
}

Result<Action> ParseRemove(object o, std::string_view what) {
  RemoveFile r;
  auto path = OptString(o, "path");
  if (!path) return Bad(what, "remove action without path");
  r.path = std::move(*path);
  r.deletion_timestamp = OptInt(o, "deletionTimestamp");
  r.data_change = OptBool(o, "dataChange").value_or(true);
  r.extended_file_metadata = OptBool(o, "extendedFileMetadata");
  r.partition_values = ReadStringMap(o, "partitionValues");
  r.size = OptInt(o, "size");
  return r;
}

Result<Action> ParseTxn(object o, std::string_view what) {
  Txn t;
  auto app = OptString(o, "appId");
  auto version = OptInt(o, "version");
  if (!app || !version) return Bad(what, "txn action without appId/version");
  t.app_id = std::move(*app);
  t.version = *version;
  t.last_updated = OptInt(o, "lastUpdated");
  return t;
}

Result<Action> ParseCommitInfo(object o) {
  CommitInfo c;
  c.timestamp = OptInt(o, "timestamp");
  c.operation = OptString(o, "operation").value_or("");
  c.operation_parameters = ReadStringMap(o, "operationParameters");
  c.read_version = OptInt(o, "readVersion");
  c.is_blind_append = OptBool(o, "isBlindAppend");
  c.operation_metrics = ReadStringMap(o, "operationMetrics");
  c.engine_info = OptString(o, "engineInfo").value_or("");
  c.user_metadata = OptString(o, "userMetadata");
  c.raw_json = simdjson::minify(o);
  return c;
}

}  // namespace

std::string SerializeAction(const Action& action) {
  JsonWriter w;
  w.BeginObject();
  std::visit(Writer{w}, action);
  w.EndObject();
  return w.Take();
}

std::string SerializeCommit(const std::vector<Action>& actions) {
  std::string out;
  for (const auto& a : actions) {
    out += SerializeAction(a);
    out.push_back('\n');
  }
  return out;
}

Result<std::vector<Action>> ParseCommit(std::string_view ndjson, std::string_view what) {
  std::vector<Action> actions;
  simdjson::dom::parser parser;
  size_t line_no = 0;
  while (!ndjson.empty()) {
    size_t nl = ndjson.find('\n');
    std::string_view line = ndjson.substr(0, nl);
    ndjson = nl == std::string_view::npos ? std::string_view{} : ndjson.substr(nl + 1);
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    element root;
    if (auto err = parser.parse(line.data(), line.size()).get(root)) {
      return Bad(what, "line " + std::to_string(line_no) + " is not JSON (" +
                           simdjson::error_message(err) + ")");
    }
    object obj;
    if (root.get(obj)) return Bad(what, "line " + std::to_string(line_no) + " is not an object");
    for (auto [key, value] : obj) {
      object body;
      if (value.get(body)) continue;  // e.g. a null action: nothing to apply
      Result<Action> a = MakeError(ErrorCode::kInternal, "");
      if (key == "add") {
        a = ParseAdd(body, what);
      } else if (key == "remove") {
        a = ParseRemove(body, what);
      } else if (key == "metaData") {
        a = ParseMetadata(body, what);
      } else if (key == "protocol") {
        a = ParseProtocol(body, what);
      } else if (key == "txn") {
        a = ParseTxn(body, what);
      } else if (key == "commitInfo") {
        a = ParseCommitInfo(body);
      } else {
        continue;  // cdc, domainMetadata, checkpointMetadata, ...: not needed for a snapshot
      }
      if (!a) return std::unexpected(a.error());
      actions.push_back(std::move(*a));
    }
  }
  return actions;
}

}  // namespace pinpipe::lake
