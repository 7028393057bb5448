// The Delta page's snapshot document (/ui/api/delta/snapshot): a table at its current version
// or at an older one (time travel by version, or by timestamp as Delta's "TIMESTAMP AS OF": the
// newest commit at or before it), with what Spark's DESCRIBE DETAIL shows, the schema of that
// version and a page of its rows. Read through lake::Snapshot and lake::ForEachRow, on the work
// pool; a page costs reading the rows before it (offsets are bounded).
#include <filesystem>

#include "lake/delta_rows.h"
#include "lake/delta_snapshot.h"
#include "lake/delta_storage.h"
#include "ui/api_json.h"
#include "ui/dashboard.h"
#include "ui/error_response.h"

namespace pinpipe::ui {
namespace fs = std::filesystem;
namespace {

bool SafeTablePath(std::string_view rel) {
  if (rel.empty() || rel.front() == '/') return false;
  for (const auto& part : fs::path(std::string(rel))) {
    if (part == "..") return false;
  }
  return true;
}

void WriteConfig(JsonWriter& w, const lake::StringMap& m) {
  w.BeginObject();
  for (const auto& [k, v] : m) {
    w.Key(k);
    if (v) w.String(*v); else w.Null();
  }
  w.EndObject();
}

void WriteFeatures(JsonWriter& w, std::string_view key, const std::optional<std::vector<std::string>>& f) {
  w.Key(key).BeginArray();
  if (f) {
    for (const auto& x : *f) w.String(x);
  }
  w.EndArray();
}

}  // namespace

http::Response Dashboard::DeltaSnapshot(std::string path, int64_t version, int64_t timestamp_ms, int64_t offset,
                                        int64_t limit) {
  if (!SafeTablePath(path)) return ErrorResponse(400, "bad path");
  if (version >= 0 && timestamp_ms >= 0) return ErrorResponse(400, "give a version or a timestamp, not both");
  // A local table, or one in the s3:// lake's store (opened once for this request).
  std::unique_ptr<objstore::ObjectStore> store;  // outlives `opened`
  std::string location;
  auto opened = OpenTableStorage(path, &store, &location);
  if (!opened) {
    const auto code = opened.error().code();
    return ErrorResponse(code == ErrorCode::kInvalidArgument ? 400 : code == ErrorCode::kNotFound ? 404 : 500,
                 opened.error().message());
  }
  lake::TableStorage* storage = opened->get();
  // Commit times, newest first: for the timestamp lookup and lastModified.
  auto history = lake::ReadHistory(*storage);
  if (!history) {
    return history.error().code() == ErrorCode::kNotFound ? ErrorResponse(404, "no such Delta table")
                                                          : ErrorResponse(500, history.error().ToString());
  }
  if (history->empty()) return ErrorResponse(404, "no such Delta table");
  const int64_t current = history->front().version;
  auto commit_time = [&](int64_t v) -> std::optional<int64_t> {
    for (const auto& h : *history) {
      if (h.version == v) return h.commit_info ? h.commit_info->timestamp : std::nullopt;
    }
    return std::nullopt;
  };
  std::optional<int64_t> at;
  if (version >= 0) {
    if (version > current) return ErrorResponse(400, "version " + std::to_string(version) + " does not exist yet (current " +
                                                 std::to_string(current) + ")");
    at = version;
  } else if (timestamp_ms >= 0) {
    for (const auto& h : *history) {  // newest first: the first commit at or before the time
      if (h.commit_info && h.commit_info->timestamp && *h.commit_info->timestamp <= timestamp_ms) {
        at = h.version;
        break;
      }
    }
    if (!at) return ErrorResponse(400, "the timestamp is before the table's earliest available commit");
  }
  auto snap = lake::Snapshot::Load(*storage, at);
  if (!snap) {
    return snap.error().code() == ErrorCode::kNotFound
               ? ErrorResponse(404, "version " + std::to_string(at.value_or(current)) + " cannot be read: " + snap.error().message())
               : ErrorResponse(500, snap.error().ToString());
  }
  const auto& md = snap->metadata();
  const auto& pr = snap->protocol();
  int64_t bytes = 0;
  for (const auto& f : snap->files()) bytes += f.size;

  JsonWriter w;
  w.BeginObject().Field("path", std::string_view(path)).Key("version").Int(snap->version());
  w.Key("current_version").Int(current);
  if (auto t = commit_time(snap->version())) w.Key("version_timestamp").Int(*t); else w.Key("version_timestamp").Null();
  // DESCRIBE DETAIL's columns (Spark names), of the version shown.
  w.Key("detail").BeginObject();
  w.Field("format", std::string_view("delta")).Field("id", std::string_view(md.id));
  w.Key("name");
  if (md.name) w.String(*md.name); else w.Null();
  w.Key("description");
  if (md.description) w.String(*md.description); else w.Null();
  w.Field("location", std::string_view(location));
  w.Key("createdAt");
  if (md.created_time) w.Int(*md.created_time); else w.Null();
  w.Key("lastModified");
  if (auto t = commit_time(snap->version())) w.Int(*t); else w.Null();
  w.Key("partitionColumns").BeginArray();
  for (const auto& c : md.partition_columns) w.String(c);
  w.EndArray();
  w.Key("numFiles").Int(static_cast<int64_t>(snap->files().size())).Key("sizeInBytes").Int(bytes);
  w.Key("properties");
  WriteConfig(w, md.configuration);
  w.Key("minReaderVersion").Int(pr.min_reader_version).Key("minWriterVersion").Int(pr.min_writer_version);
  WriteFeatures(w, "readerFeatures", pr.reader_features);
  WriteFeatures(w, "writerFeatures", pr.writer_features);
  w.EndObject();
  // The schema of this version, and its rows from `offset`.
  w.Key("schema").Raw(md.schema_string.empty() ? "null" : md.schema_string);
  w.Key("columns").BeginArray();
  for (const auto& f : snap->schema().fields) w.String(f.name);
  w.EndArray();
  w.Key("offset").Int(offset).Key("limit").Int(limit).Key("rows").BeginArray();
  int64_t seen = 0;
  bool more = false;
  std::string cell;
  auto st = lake::ForEachRow(*storage, *snap, offset + limit + 1, [&](const lake::RowView& row) {
    if (seen++ < offset) return true;
    if (seen > offset + limit) {
      more = true;
      return false;
    }
    w.BeginArray();
    for (size_t c = 0; c < row.num_columns(); ++c) {
      if (row.IsNull(c)) {
        w.Null();
        continue;
      }
      cell.clear();
      row.AppendJson(c, &cell);
      w.Raw(cell);
    }
    w.EndArray();
    return true;
  });
  if (!st) return ErrorResponse(500, "reading version " + std::to_string(snap->version()) + ": " + st.error().ToString());
  w.EndArray().Field("more", more).EndObject();
  return http::Response::Json(200, w.Take());
}

}  // namespace pinpipe::ui
