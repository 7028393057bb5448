// The record trace: one log record (topic, partition, offset) followed through the pipeline —
// the record → the sink's object holding its offset → the clean Delta table's commit that read
// that object (and its data files) → the DAG run that wrote the commit. Each hop is "done" or
// "not yet" with a note. The lake is read through its object store (a local directory or an
// s3:// prefix, the streaming job's tables too), with the sink's state and
// the run history, on the dashboard's work pool.
//
// How each hop is found:
// - object: the sink names objects by their start offset (sink/object_name.h:
//   <topic>+<p>+<start><ext>), so the object holding offset o is the one of partition p with
//   the greatest start ≤ o; it ends before the next object's start, or — for the newest object
//   — before the sink's committed offset (sink_state.h). Objects are listed under
//   <lake>/<sink.topics_dir>/<topic>/ (default and time-based layouts alike).
// - Delta: a batch run's manifest (batch/manifest.h) lists the objects its clean tasks read; the
//   clean table of topic "<id>.<kind>" is delta/<kind>; its commit is the newest one whose
//   commitInfo.userMetadata names the manifest's logical date. Part files are not split by
//   object: the one holding the record is found by the clean row's key `ind` (the record's
//   index/ind), pruned by the adds' stats, then read (ui/trace_part_file.h).
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <set>

#include "batch/manifest.h"
#include "common/file_system.h"
#include "lake/delta_snapshot.h"
#include "lake/delta_storage.h"
#include "lake/delta_storage_objstore.h"
#include "objstore/open_object_store.h"
#include "log/record_batch.h"
#include "orchestrator/run_history.h"
#include "sink/sink_state.h"
#include "ui/api_json.h"
#include "ui/dashboard.h"
#include "ui/error_response.h"
#include "ui/trace_part_file.h"

namespace pinpipe::ui {
namespace fs = std::filesystem;
namespace {

// "<topic>+<p>+<digits><ext>" → the start offset, when the name is one of partition p's.
std::optional<int64_t> StartOffsetOf(std::string_view name, std::string_view topic, int32_t partition) {
  std::string prefix = std::string(topic) + "+" + std::to_string(partition) + "+";
  if (!name.starts_with(prefix)) return std::nullopt;
  name.remove_prefix(prefix.size());
  int64_t v = 0;
  auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), v);
  if (ec != std::errc() || p == name.data()) return std::nullopt;
  return v;
}

struct LakeObjectRef {
  int64_t start = 0;
  std::string key;  // relative to the lake
  int64_t size = 0;
};

struct StreamRange {
  std::string topic;
  int64_t partition = 0, start = 0, end = 0;  // [start, end)
};

struct DeltaCommit {
  std::vector<StreamRange> ranges;  // a streaming-job commit: the offsets its batch read
  int64_t batch = -1;
  int64_t version = 0;
  int64_t timestamp = 0;
  std::string logical_date, run_id, dag_id, task_id, operation;
  std::vector<std::string> adds;
  std::vector<lake::AddFile> add_files;  // the same, with their stats
};

// The streaming job's and the batch's commitInfo.userMetadata (a JSON document): the offsets a
// streaming batch read, or the run and logical date of a batch commit.
void ReadUserMetadata(std::string_view um, simdjson::dom::parser& parser, DeltaCommit& c) {
  simdjson::dom::element m;
  if (parser.parse(um.data(), um.size()).get(m) != simdjson::SUCCESS) return;
  auto str = [&](const char* k, std::string& dst) {
    std::string_view v;
    if (m[k].get_string().get(v) == simdjson::SUCCESS) dst = std::string(v);
  };
  str("logical_date", c.logical_date);
  str("run_id", c.run_id);
  str("dag_id", c.dag_id);
  str("task_id", c.task_id);
  if (m["batch"].get_int64().get(c.batch)) {}
  simdjson::dom::array ranges;
  if (m["ranges"].get_array().get(ranges) != simdjson::SUCCESS) return;
  for (auto r : ranges) {
    StreamRange sr;
    std::string_view tp;
    if (r["topic"].get_string().get(tp) != simdjson::SUCCESS) continue;
    sr.topic = std::string(tp);
    if (r["partition"].get_int64().get(sr.partition) || r["start"].get_int64().get(sr.start) ||
        r["end"].get_int64().get(sr.end)) {
      continue;
    }
    c.ranges.push_back(std::move(sr));
  }
}

// Every JSON commit of a table, in version order, and the files active after the last one,
// through the lake's own commit reader (lake::ReadCommits). Checkpoints are not read: a table
// whose early commits were cleaned up after a checkpoint shows only the files its remaining
// commits add. A table whose log cannot be read traces as no commit.
std::vector<DeltaCommit> ReadDeltaLog(lake::TableStorage& storage, std::set<std::string>& active) {
  std::vector<DeltaCommit> out;
  auto commits = lake::ReadCommits(storage);
  if (!commits) return out;
  simdjson::dom::parser meta_parser;
  for (auto it = commits->rbegin(); it != commits->rend(); ++it) {
    DeltaCommit c;
    c.version = it->version;
    for (const auto& a : it->actions) {
      if (const auto* ci = std::get_if<lake::CommitInfo>(&a)) {
        c.operation = ci->operation;
        c.timestamp = ci->timestamp.value_or(0);
        if (ci->user_metadata) ReadUserMetadata(*ci->user_metadata, meta_parser, c);
      } else if (const auto* add = std::get_if<lake::AddFile>(&a)) {
        c.adds.push_back(add->path);
        c.add_files.push_back(*add);
        active.insert(add->path);
      } else if (const auto* rm = std::get_if<lake::RemoveFile>(&a)) {
        active.erase(rm->path);
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

void NotYet(JsonWriter& w, std::string_view key, std::string_view note) {
  w.Key(key).BeginObject().Field("state", "not yet").Field("note", note).EndObject();
}

}  // namespace

// The streaming job's commit whose batch read the offset: its commitInfo.userMetadata lists
// the batch's ranges (stream/stream_tables.h). Tables are the lake's delta/<name>: a local
// lake's directories, or on an object store (s3://) the prefixes under delta/ that hold a
// _delta_log/ (one listing of delta/, as the trace runs once per request on the work pool).
void Dashboard::StreamHop(JsonWriter& w, const std::string& topic, int32_t partition, int64_t offset,
                          const std::optional<std::string>& value, objstore::ObjectStore* store) {
  struct Table {
    std::string name;  // "delta/<name>", relative to the lake
    std::unique_ptr<lake::TableStorage> storage;
  };
  std::vector<Table> tables;
  if (!options_.lake_dir.empty()) {
    std::error_code ec;
    for (auto it = fs::directory_iterator(fs::path(options_.lake_dir) / "delta", ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      std::error_code e2;
      if (fs::is_directory(it->path() / "_delta_log", e2)) {
        tables.push_back({"delta/" + it->path().filename().string(), lake::NewLocalTableStorage(it->path().string())});
      }
    }
  } else if (store) {
    auto listed = store->ListAll("delta/");
    if (!listed) {
      NotYet(w, "stream", "the lake's delta/ cannot be listed: " + listed.error().message());
      return;
    }
    std::set<std::string> names;
    for (const auto& info : *listed) {
      const size_t log = info.key.find("/_delta_log/");
      // delta/<name>/_delta_log/...: <name> is one segment.
      if (log != std::string::npos && info.key.find('/', 6) == log) names.insert(info.key.substr(0, log));
    }
    for (const auto& n : names) {
      tables.push_back({n, lake::NewObjectStoreTableStorage(*store, n, options_.lake_uri + "/" + n)});
    }
  } else {
    NotYet(w, "stream", "the lake cannot be read");
    return;
  }
  // Clean tables first: a batch that also quarantined records commits to both, and the
  // record is in one of them (listed in `commits`).
  auto is_quarantine = [](const Table& t) { return t.name.find("quarantine") != std::string::npos; };
  std::sort(tables.begin(), tables.end(), [&](const Table& a, const Table& b) {
    const bool qa = is_quarantine(a), qb = is_quarantine(b);
    return qa != qb ? qb : a.name < b.name;
  });
  JsonWriter hits;
  hits.BeginArray();
  int n = 0;
  for (const auto& t : tables) {
    std::set<std::string> active;
    lake::TableStorage& storage = *t.storage;
    for (const auto& c : ReadDeltaLog(storage, active)) {
      bool covers = false;
      for (const auto& r : c.ranges) {
        covers |= r.topic == topic && r.partition == partition && offset >= r.start && offset < r.end;
      }
      if (!covers || c.adds.empty()) continue;
      hits.BeginObject().Field("table", std::string_view(t.name)).Key("version").Int(c.version);
      hits.Key("batch").Int(c.batch).Key("timestamp").Int(c.timestamp).Field("operation", std::string_view(c.operation));
      hits.Key("files").BeginArray();
      for (const auto& a : c.adds) {
        hits.BeginObject().Field("path", std::string_view(a)).Field("in_snapshot", active.count(a) > 0).EndObject();
      }
      hits.EndArray();
      // Whether this commit's part files hold the record: a clean table's row by its `ind`, a
      // quarantine table's by its raw text. Unknown (null) when the record is gone.
      const bool quarantine = is_quarantine(t);
      std::optional<int64_t> ind = value ? RecordInd(*value) : std::nullopt;
      Result<std::optional<PartRow>> found = std::optional<PartRow>();
      const bool known = value && (quarantine || ind);
      if (known) found = quarantine ? FindQuarantineRow(storage, c.add_files, *value) : FindPartRow(storage, c.add_files, *ind);
      hits.Key("holds_record");
      if (known && found) hits.Bool(found->has_value()); else hits.Null();
      hits.Key("file");
      if (known && found && *found) {
        hits.String((*found)->path);
        hits.Key("row").Int((*found)->row);
      } else if ((!known || !found) && c.adds.size() == 1) {
        hits.String(c.adds.front());
      } else {
        hits.Null();
      }
      hits.EndObject();
      ++n;
    }
  }
  hits.EndArray();
  if (n > 0) {
    w.Key("stream").BeginObject().Field("state", "done").Key("commits").Raw(hits.str()).EndObject();
    return;
  }
  NotYet(w, "stream", "no streaming-job commit covers this offset (the job does not read this topic, or has not reached it)");
}

http::Response Dashboard::Trace(std::string topic, int64_t partition_in, int64_t offset) {
  auto t = log_.GetTopic(topic);
  if (!t) return ErrorResponse(404, "no such topic");
  if (partition_in < 0 || partition_in >= t->partitions) return ErrorResponse(400, "bad partition");
  if (offset < 0) return ErrorResponse(400, "bad offset");
  const auto partition = static_cast<int32_t>(partition_in);
  JsonWriter w;
  w.BeginObject().Field("topic", std::string_view(topic)).Field("partition", partition).Key("offset").Int(offset);

  // 1. The record itself.
  std::optional<int64_t> ind;  // the clean row's key, from the record's value
  std::optional<std::string> value;  // the record's value (the streaming hop matches quarantined text)
  w.Key("record").BeginObject();
  {
    std::string buf;
    auto rr = log_.Read(topic, partition, offset, 1 << 20, buf);
    log::RecordReader reader(buf, offset);
    log::RecordView rec;
    std::vector<log::Header> hs;
    bool found = false;
    while (rr && rr->bytes > 0 && reader.Next(rec)) {
      if (rec.offset < offset) continue;
      if (rec.offset == offset) {
        MessageRow row = MessageRowOf(partition, rec, hs);
        if (rec.value) {
          ind = RecordInd(*rec.value);
          value = std::string(*rec.value);
        }
        w.Field("state", "done").Key("timestamp_ms").Int(row.timestamp_ms).Key("key");
        AppendPayload(w, row.key, 256);
        w.Key("value");
        AppendPayload(w, row.value, 1024);
        found = true;
      }
      break;
    }
    if (!found) {
      auto info = log_.GetPartitionInfo(topic, partition);
      const bool future = info && offset >= info->high_watermark;
      w.Field("state", future ? "not yet" : "gone")
          .Field("note", future ? "the offset is at or past the log end" : "the record is no longer in the log (retention or compaction)");
    }
  }
  w.EndObject();

  // 2. The sink's object. The lake is read through its object store: a local directory or an
  // s3:// bucket prefix alike.
  std::optional<LakeObjectRef> object;
  int64_t object_end = -1;  // last offset it holds; -1 = unknown
  std::unique_ptr<objstore::ObjectStore> store;
  std::string store_error;
  if (options_.open_lake_store) {
    auto opened = options_.open_lake_store();
    if (opened) store = std::move(*opened); else store_error = opened.error().message();
  } else if (!options_.lake_dir.empty()) {
    auto opened = objstore::OpenObjectStore(options_.lake_dir);
    if (opened) store = std::move(*opened); else store_error = opened.error().message();
  } else {
    store_error = "no lake";
  }
  if (!store) {
    NotYet(w, "object", "the lake cannot be read: " + store_error);
  } else {
    std::vector<LakeObjectRef> objects;
    auto listed = store->ListAll(options_.topics_dir + "/" + topic + "/");
    if (listed) {
      for (const auto& info : *listed) {
        const size_t slash = info.key.rfind('/');
        const std::string_view name = std::string_view(info.key).substr(slash == std::string::npos ? 0 : slash + 1);
        if (auto start = StartOffsetOf(name, topic, partition)) {
          objects.push_back({*start, info.key, static_cast<int64_t>(info.size)});
        }
      }
    }
    std::sort(objects.begin(), objects.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
    int64_t committed = -1;
    if (!options_.sink_state_dir.empty()) {
      sink::StateStore state(FileSystem::Default(), options_.sink_state_dir);
      if (auto st = state.LoadForStatus()) {
        for (const auto& [tp, ps] : st->partitions) {
          if (tp.topic == topic && tp.partition == partition) committed = ps.committed;
        }
      }
    }
    auto after = std::upper_bound(objects.begin(), objects.end(), offset,
                                  [](int64_t o, const LakeObjectRef& r) { return o < r.start; });
    if (after != objects.begin()) {
      const auto& cand = *std::prev(after);
      object_end = after != objects.end() ? after->start - 1 : (committed > cand.start ? committed - 1 : -1);
      if (object_end >= offset || (object_end < 0 && committed < 0)) object = cand;
    }
    if (object) {
      w.Key("object").BeginObject().Field("state", "done").Field("key", std::string_view(object->key));
      w.Key("size").Int(object->size).Key("start_offset").Int(object->start).Key("end_offset");
      if (object_end >= 0) w.Int(object_end); else w.Null();
      w.Key("sink_committed").Int(committed).EndObject();
    } else {
      NotYet(w, "object", committed >= 0 ? "the sink has committed offsets below " + std::to_string(committed)
                                         : "no object of this partition holds the offset yet");
    }
  }

  // 3. The clean Delta table's commit that read the object, and 4. the run that wrote it.
  std::string run_id, dag_id, logical_date;
  if (!object) {
    NotYet(w, "delta", "the record is not in the lake yet");
  } else {
    // The manifests that list the object, newest logical date first.
    std::vector<std::string> dates;
    auto manifests = store->ListAll("manifests/");
    for (const auto& info : manifests ? *manifests : std::vector<objstore::ObjectInfo>{}) {
      if (!info.key.ends_with(".json")) continue;
      auto text = store->Get(info.key);
      if (!text) continue;
      auto m = batch::DecodeManifest(*text);
      if (!m) continue;
      for (const auto& mt : m->topics) {
        if (mt.topic != topic) continue;
        for (const auto& o : mt.objects) {
          if (o.key == object->key) dates.push_back(m->logical_date);
        }
      }
    }
    std::sort(dates.rbegin(), dates.rend());
    const std::string kind = topic.substr(topic.rfind('.') + 1);
    const std::string table = "delta/" + kind;
    std::set<std::string> active;
    std::unique_ptr<lake::TableStorage> storage =
        options_.lake_dir.empty() ? lake::NewObjectStoreTableStorage(*store, table, options_.lake_uri + "/" + table)
                                  : lake::NewLocalTableStorage((fs::path(options_.lake_dir) / table).string());
    auto commits = dates.empty() ? std::vector<DeltaCommit>{} : ReadDeltaLog(*storage, active);
    const DeltaCommit* hit = nullptr;
    std::string hit_date;
    for (const auto& d : dates) {
      for (auto c = commits.rbegin(); c != commits.rend() && !hit; ++c) {
        if (c->logical_date == d && !c->adds.empty()) {
          hit = &*c;
          hit_date = d;
        }
      }
      if (hit) break;
    }
    if (!hit) {
      NotYet(w, "delta", dates.empty() ? "no batch run has read the object yet (its manifest lists it once `load` ran)"
                                       : "a run listed the object (" + dates.front() + ") but no commit of " + table +
                                             " names that date yet");
    } else {
      run_id = hit->run_id;
      dag_id = hit->dag_id;
      logical_date = hit->logical_date;
      std::vector<std::string> in_snapshot;
      for (const auto& a : hit->adds) {
        if (active.count(a)) in_snapshot.push_back(a);
      }
      w.Key("delta").BeginObject().Field("state", "done").Field("table", std::string_view(table));
      w.Key("version").Int(hit->version).Key("timestamp").Int(hit->timestamp);
      w.Field("operation", std::string_view(hit->operation)).Field("logical_date", std::string_view(hit_date));
      w.Key("current_version").Int(commits.back().version);
      w.Key("files").BeginArray();
      for (const auto& a : hit->adds) {
        w.BeginObject().Field("path", std::string_view(a)).Field("in_snapshot", active.count(a) > 0).EndObject();
      }
      w.EndArray();
      // The part file (and row) holding the record's clean row, found by its `ind`.
      std::optional<PartRow> exact;
      std::string note;
      if (!ind) {
        if (hit->adds.size() > 1) note = "the record has no index/ind: it is in one of the commit's " + std::to_string(hit->adds.size()) + " part files";
      } else {
        auto found = FindPartRow(*storage, hit->add_files, *ind);
        if (!found) {
          note = "reading the part files failed: " + found.error().message();
        } else if (!*found) {
          note = "no part file of the commit holds ind " + std::to_string(*ind) + " (a duplicate dropped by the clean, or quarantined)";
        } else {
          exact = **found;
        }
      }
      w.Key("file");
      if (exact) w.String(exact->path); else if (!ind && hit->adds.size() == 1) w.String(hit->adds.front()); else w.Null();
      if (exact) w.Key("row").Int(exact->row).Key("files_read").Int(exact->files_read).Key("ind").Int(*ind);
      w.Field("in_current_snapshot", exact ? active.count(exact->path) > 0 : !in_snapshot.empty());
      if (!note.empty()) w.Field("note", note);
      w.EndObject();
    }
  }
  StreamHop(w, topic, partition, offset, value, store.get());
  if (run_id.empty()) {
    NotYet(w, "run", "no DAG run has written the record to a clean table yet");
  } else {
    w.Key("run").BeginObject().Field("state", "done").Field("run_id", std::string_view(run_id));
    w.Field("dag_id", std::string_view(dag_id)).Field("logical_date", std::string_view(logical_date));
    if (auto* runs = Runs()) {
      if (auto r = runs->FindRun(run_id); r && *r) {
        w.Field("run_state", orchestrator::RunStateName((*r)->state)).Key("start_us").Int((*r)->start_us).Key("end_us").Int((*r)->end_us);
      }
    }
    w.EndObject();
  }
  w.EndObject();
  return http::Response::Json(200, w.Take());
}

}  // namespace pinpipe::ui
