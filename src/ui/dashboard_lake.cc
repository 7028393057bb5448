// The dashboard's lake, Delta and analytics documents, on the work pool: the lake is read as a
// local directory, or (an s3:// lake) through its object store, opened once per request with
// `open_lake_store`, in the same JSON shapes; analytics results are <data.dir>/reports. A store
// has no directories: a listing groups the keys under the prefix by their next segment, and
// finding tables lists the store's keys, both bounded by kMaxListedKeys.
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "common/file_system.h"
#include "lake/delta_snapshot.h"
#include "lake/delta_storage.h"
#include "lake/delta_storage_objstore.h"
#include "objstore/object_store.h"
#include "ui/api_json.h"
#include "ui/dashboard.h"
#include "ui/error_response.h"

namespace pinpipe::ui {
namespace fs = std::filesystem;
namespace {

// A relative path inside a root: no "..", no absolute path, no empty root.
bool SafeRelative(std::string_view rel) {
  if (!rel.empty() && rel.front() == '/') return false;
  for (const auto& part : fs::path(std::string(rel))) {
    if (part == "..") return false;
  }
  return true;
}


constexpr size_t kPreviewBytes = 64 * 1024;
// An object-store listing reads at most this many keys (a store lists every key under a
// prefix, not one level); past it the answer carries "truncated": true.
constexpr size_t kMaxListedKeys = 50'000;
constexpr size_t kMaxEntries = 5000;  // as the local listing

// A prefix or key as the store names it: no trailing '/'; "" is the lake's root.
std::string StoreKey(std::string_view rel) {
  while (!rel.empty() && rel.back() == '/') rel.remove_suffix(1);
  return std::string(rel);
}

// Pages of `prefix` until the end or kMaxListedKeys keys; `truncated` set when cut short.
Result<std::vector<objstore::ObjectInfo>> ListBounded(objstore::ObjectStore& store, std::string_view prefix,
                                                      bool* truncated) {
  std::vector<objstore::ObjectInfo> out;
  std::string token;
  *truncated = false;
  do {
    PINPIPE_ASSIGN_OR_RETURN(auto page, store.List(prefix, token));
    for (auto& o : page.objects) out.push_back(std::move(o));
    token = std::move(page.next_token);
    if (!token.empty() && out.size() >= kMaxListedKeys) {
      *truncated = true;
      break;
    }
  } while (!token.empty());
  return out;
}

std::string ReadHead(const fs::path& p, size_t max) {
  std::ifstream in(p, std::ios::binary);
  std::string s(max, '\0');
  in.read(s.data(), static_cast<std::streamsize>(max));
  s.resize(static_cast<size_t>(in.gcount()));
  return s;
}

// One CSV line split on commas, honouring RFC 4180 quotes.
std::vector<std::string> SplitCsv(std::string_view line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<objstore::ObjectStore>> Dashboard::OpenRemoteLake() {
  if (!options_.open_lake_store) return MakeError(ErrorCode::kNotFound, "no lake");
  return options_.open_lake_store();
}

Result<std::unique_ptr<lake::TableStorage>> Dashboard::OpenTableStorage(
    const std::string& path, std::unique_ptr<objstore::ObjectStore>* store, std::string* location) {
  if (path.empty() || !SafeRelative(path)) return MakeError(ErrorCode::kInvalidArgument, "bad path");
  if (!options_.lake_dir.empty()) {
    const fs::path dir = fs::path(options_.lake_dir) / path;
    if (location) *location = dir.lexically_normal().string();
    return lake::NewLocalTableStorage(dir.string());
  }
  const std::string table = StoreKey(path);
  if (!objstore::ValidateObjectKey(table)) return MakeError(ErrorCode::kInvalidArgument, "bad path");
  PINPIPE_ASSIGN_OR_RETURN(*store, OpenRemoteLake());
  std::string root = options_.lake_uri + "/" + table;
  if (location) *location = root;
  return lake::NewObjectStoreTableStorage(**store, table, std::move(root));
}

http::Response Dashboard::Lake(std::string prefix) {
  if (!SafeRelative(prefix)) return ErrorResponse(400, "bad prefix");
  if (options_.lake_dir.empty()) return LakeFromStore(StoreKey(prefix));
  fs::path dir = fs::path(options_.lake_dir) / prefix;
  std::error_code ec;
  JsonWriter w;
  w.BeginObject().Field("root", std::string_view(options_.lake_dir)).Field("prefix", std::string_view(prefix));
  w.Key("entries").BeginArray();
  std::vector<fs::directory_entry> entries;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    entries.push_back(*it);
    if (entries.size() >= kMaxEntries) break;
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.path() < b.path(); });
  for (const auto& e : entries) {
    std::error_code e2;
    const bool is_dir = e.is_directory(e2);
    w.BeginObject().Field("name", e.path().filename().string()).Field("dir", is_dir);
    w.Key("size").Int(is_dir ? 0 : static_cast<int64_t>(e.file_size(e2)));
    w.EndObject();
  }
  w.EndArray().EndObject();
  if (ec && ec != std::errc::no_such_file_or_directory) return ErrorResponse(500, ec.message());
  return http::Response::Json(200, w.Take());
}

// One level of the store under `prefix`: each key's next segment is an object (its size) or,
// when more follows, a directory (size 0), sorted by name as the local listing is.
http::Response Dashboard::LakeFromStore(const std::string& prefix) {
  auto store = OpenRemoteLake();
  if (!store) return ErrorResponse(store.error().code() == ErrorCode::kNotFound ? 404 : 500, store.error().message());
  const std::string under = prefix.empty() ? std::string() : prefix + "/";
  bool truncated = false;
  auto listed = ListBounded(**store, under, &truncated);
  if (!listed) return ErrorResponse(500, listed.error().message());
  std::map<std::pair<std::string, bool>, uint64_t> entries;  // (name, dir) → size
  for (const auto& o : *listed) {
    std::string_view rest = std::string_view(o.key).substr(under.size());
    const size_t slash = rest.find('/');
    if (rest.empty() || slash == 0) continue;  // a "dir/" marker or "a//b": written by another tool
    if (slash == std::string_view::npos) {
      entries[{std::string(rest), false}] = o.size;
    } else {
      entries.try_emplace({std::string(rest.substr(0, slash)), true}, 0);
    }
  }
  JsonWriter w;
  w.BeginObject().Field("root", std::string_view(options_.lake_uri)).Field("prefix", std::string_view(prefix));
  w.Key("entries").BeginArray();
  size_t n = 0;
  for (const auto& [name_dir, size] : entries) {
    if (n++ >= kMaxEntries) {
      truncated = true;
      break;
    }
    w.BeginObject().Field("name", std::string_view(name_dir.first)).Field("dir", name_dir.second);
    w.Key("size").Int(static_cast<int64_t>(size)).EndObject();
  }
  w.EndArray();
  if (truncated) w.Field("truncated", true);
  w.EndObject();
  return http::Response::Json(200, w.Take());
}

http::Response Dashboard::LakeObject(std::string key) {
  if (key.empty() || !SafeRelative(key)) return ErrorResponse(400, "bad key");
  if (options_.lake_dir.empty()) return LakeObjectFromStore(StoreKey(key));
  fs::path p = fs::path(options_.lake_dir) / key;
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return ErrorResponse(404, "no such object");
  const auto size = fs::file_size(p, ec);
  std::optional<std::string> head = ReadHead(p, kPreviewBytes);
  JsonWriter w;
  w.BeginObject().Field("key", std::string_view(key)).Key("size").Int(static_cast<int64_t>(size));
  w.Field("truncated", size > head->size()).Key("preview");
  AppendPayload(w, head, 4096);
  w.EndObject();
  return http::Response::Json(200, w.Take());
}

// The store has no ranged read here: the object is fetched whole, then cut to the preview.
http::Response Dashboard::LakeObjectFromStore(const std::string& key) {
  if (!objstore::ValidateObjectKey(key)) return ErrorResponse(400, "bad key");
  auto store = OpenRemoteLake();
  if (!store) return ErrorResponse(store.error().code() == ErrorCode::kNotFound ? 404 : 500, store.error().message());
  auto head = (*store)->Head(key);
  if (!head) return ErrorResponse(head.error().code() == ErrorCode::kNotFound ? 404 : 500,
                          head.error().code() == ErrorCode::kNotFound ? "no such object" : head.error().message());
  auto body = (*store)->Get(key);
  if (!body) return ErrorResponse(body.error().code() == ErrorCode::kNotFound ? 404 : 500,
                          body.error().code() == ErrorCode::kNotFound ? "no such object" : body.error().message());
  if (body->size() > kPreviewBytes) body->resize(kPreviewBytes);
  std::optional<std::string> preview = std::move(*body);
  JsonWriter w;
  w.BeginObject().Field("key", std::string_view(key)).Key("size").Int(static_cast<int64_t>(head->size));
  w.Field("truncated", head->size > preview->size()).Key("preview");
  AppendPayload(w, preview, 4096);
  w.EndObject();
  return http::Response::Json(200, w.Take());
}

http::Response Dashboard::DeltaTables() {
  JsonWriter w;
  w.BeginObject().Key("tables").BeginArray();
  bool truncated = false;
  if (options_.lake_dir.empty()) {
    // A table is a prefix holding "<table>/_delta_log/", at most 4 levels deep as locally;
    // the sink's raw objects (topics_dir) are never tables.
    auto store = OpenRemoteLake();
    if (!store) return ErrorResponse(store.error().code() == ErrorCode::kNotFound ? 404 : 500, store.error().message());
    auto listed = ListBounded(**store, "", &truncated);
    if (!listed) return ErrorResponse(500, listed.error().message());
    const std::string topics = options_.topics_dir + "/";
    std::set<std::string> found;
    for (const auto& o : *listed) {
      if (o.key.starts_with(topics)) continue;
      const std::string marker = "/_delta_log/";
      const size_t log = o.key.find(marker);
      if (log == std::string::npos) continue;
      const std::string table = o.key.substr(0, log);
      if (std::count(table.begin(), table.end(), '/') <= 4) found.insert(table);
    }
    for (const auto& f : found) w.String(f);
  } else {
    std::error_code ec;
    std::vector<std::string> found;
    auto it = fs::recursive_directory_iterator(options_.lake_dir, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it.depth() > 4) {
        it.disable_recursion_pending();
        continue;
      }
      std::error_code e2;
      if (it->is_directory(e2) && it->path().filename() == "_delta_log") {
        found.push_back(fs::relative(it->path().parent_path(), options_.lake_dir, e2).string());
        it.disable_recursion_pending();
      } else if (it->is_directory(e2) && it->path().filename() == "topics") {
        it.disable_recursion_pending();  // the sink's raw objects: many, never tables
      }
    }
    std::sort(found.begin(), found.end());
    for (const auto& f : found) w.String(f);
  }
  w.EndArray();
  if (truncated) w.Field("truncated", true);
  w.EndObject();
  return http::Response::Json(200, w.Take());
}

namespace {

// A commitInfo map (operationParameters, operationMetrics) as a JSON object of strings.
void WriteStringMap(JsonWriter& w, const lake::StringMap& m) {
  w.BeginObject();
  for (const auto& [k, v] : m) {
    w.Key(k);
    if (v) w.String(*v); else w.Null();
  }
  w.EndObject();
}

}  // namespace

http::Response Dashboard::DeltaTable(std::string path) {
  if (path.empty() || !SafeRelative(path)) return ErrorResponse(400, "bad path");
  // History of the newest 100 commits through the lake's commit reader; the schema from the
  // newest metaData action among them. Files are counted from those commits (checkpoints are
  // not read here).
  std::unique_ptr<objstore::ObjectStore> store;  // outlives `storage`
  auto storage = OpenTableStorage(path, &store, nullptr);
  if (!storage) return ErrorResponse(HttpStatusOf(storage.error()), storage.error().message());
  auto commits = lake::ReadCommits(**storage, 100);
  if (!commits) {
    return commits.error().code() == ErrorCode::kNotFound ? ErrorResponse(404, "no such Delta table")
                                                          : ErrorResponse(500, commits.error().ToString());
  }
  JsonWriter hist;
  hist.BeginArray();
  std::string schema;
  int64_t files = 0, bytes = 0;
  for (const auto& c : *commits) {
    const lake::CommitInfo* info = nullptr;
    int adds = 0, removes = 0;
    for (const auto& a : c.actions) {
      if (const auto* ci = std::get_if<lake::CommitInfo>(&a)) {
        info = ci;
      } else if (const auto* add = std::get_if<lake::AddFile>(&a)) {
        ++adds;
        bytes += add->size;
      } else if (const auto* rm = std::get_if<lake::RemoveFile>(&a)) {
        ++removes;
        bytes -= rm->size.value_or(0);
      } else if (const auto* md = std::get_if<lake::Metadata>(&a); md && schema.empty()) {
        schema = md->schema_string;
      }
    }
    files += adds - removes;
    hist.BeginObject().Key("version").Int(c.version).Key("timestamp").Int(info ? info->timestamp.value_or(0) : 0);
    hist.Field("operation", info ? std::string_view(info->operation) : std::string_view());
    hist.Key("parameters");
    WriteStringMap(hist, info ? info->operation_parameters : lake::StringMap{});
    hist.Key("metrics");
    WriteStringMap(hist, info ? info->operation_metrics : lake::StringMap{});
    hist.Field("adds", adds).Field("removes", removes).EndObject();
  }
  hist.EndArray();
  JsonWriter w;
  // Versions run from 0 to the newest, whatever log cleanup removed.
  w.BeginObject().Field("path", std::string_view(path)).Key("versions").Int(commits->front().version + 1);
  w.Key("schema").Raw(schema.empty() ? "null" : schema);
  w.Key("files_in_recent_commits").Int(files).Key("bytes_in_recent_commits").Int(bytes);
  w.Key("history").Raw(hist.str()).EndObject();
  return http::Response::Json(200, w.Take());
}

http::Response Dashboard::Analytics(std::string date) {
  fs::path root = fs::path(options_.data_dir) / "reports";
  std::error_code ec;
  std::vector<std::string> dates;
  for (auto it = fs::directory_iterator(root, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code e2;
    if (it->is_directory(e2)) dates.push_back(it->path().filename().string());
  }
  std::sort(dates.rbegin(), dates.rend());
  if (date.empty() && !dates.empty()) date = dates.front();
  if (!SafeRelative(date)) return ErrorResponse(400, "bad date");
  JsonWriter w;
  w.BeginObject().Key("dates").BeginArray();
  for (const auto& d : dates) w.String(d);
  w.EndArray().Field("date", std::string_view(date)).Key("results").BeginArray();
  std::vector<std::pair<std::string, int64_t>> results;
  if (!date.empty()) {
    for (auto it = fs::directory_iterator(root / date, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
      if (it->path().extension() != ".csv") continue;
      std::ifstream in(it->path());
      int64_t lines = 0;
      std::string l;
      while (std::getline(in, l)) ++lines;
      results.emplace_back(it->path().stem().string(), std::max<int64_t>(0, lines - 1));
    }
  }
  std::sort(results.begin(), results.end());
  for (const auto& [name, rows] : results) w.BeginObject().Field("name", std::string_view(name)).Key("rows").Int(rows).EndObject();
  w.EndArray();
  w.Field("report", !date.empty() && fs::exists(root / date / "index.html", ec));
  w.EndObject();
  return http::Response::Json(200, w.Take());
}

http::Response Dashboard::AnalyticsResult(std::string date, std::string name) {
  if (date.empty() || name.empty() || !SafeRelative(date) || name.find('/') != std::string::npos || name == "..") {
    return ErrorResponse(400, "bad date or name");
  }
  fs::path p = fs::path(options_.data_dir) / "reports" / date / (name + ".csv");
  std::ifstream in(p);
  if (!in) return ErrorResponse(404, "no such result");
  JsonWriter w;
  w.BeginObject().Field("date", std::string_view(date)).Field("name", std::string_view(name));
  std::string line;
  int64_t n = 0;
  bool header = true;
  w.Key("rows").BeginArray();
  std::vector<std::string> columns;
  while (std::getline(in, line)) {
    auto cells = SplitCsv(line);
    if (header) {
      columns = std::move(cells);
      header = false;
      continue;
    }
    if (n++ >= 5000) continue;  // counted, not sent
    w.BeginArray();
    for (const auto& c : cells) w.String(c);
    w.EndArray();
  }
  w.EndArray().Key("total_rows").Int(n).Key("columns").BeginArray();
  for (const auto& c : columns) w.String(c);
  w.EndArray().EndObject();
  return http::Response::Json(200, w.Take());
}

}  // namespace pinpipe::ui
