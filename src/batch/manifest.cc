#include "batch/manifest.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <tuple>

#include "common/json_writer.h"

namespace pinpipe::batch {
namespace {

// (partition, start offset) parsed from ".../partition=<p>/<topic>+<p>+<offset>.json";
// -1 where the name does not follow the layout.
std::pair<int64_t, int64_t> SortKey(std::string_view key) {
  int64_t partition = -1, offset = -1;
  if (size_t p = key.rfind("/partition="); p != std::string_view::npos) {
    std::string_view rest = key.substr(p + 11);
    std::from_chars(rest.data(), rest.data() + rest.size(), partition);
  }
  if (size_t plus = key.rfind('+'); plus != std::string_view::npos) {
    std::string_view rest = key.substr(plus + 1);
    std::from_chars(rest.data(), rest.data() + rest.size(), offset);
    // The time-based layout has no partition=<p> directory: <topic>+<p>+<offset> names it.
    if (size_t prev = key.rfind('+', plus - 1);
        partition < 0 && plus > 0 && prev != std::string_view::npos) {
      std::from_chars(key.data() + prev + 1, key.data() + plus, partition);
    }
  }
  return {partition, offset};
}

std::unexpected<Error> Bad(std::string_view what) {
  return MakeError(ErrorCode::kCorruption, "manifest: " + std::string(what));
}

}  // namespace

uint64_t ManifestTopic::bytes() const {
  uint64_t n = 0;
  for (const auto& o : objects) n += o.size;
  return n;
}

std::string ManifestKey(std::string_view dag_id, std::string_view logical_date) {
  return "manifests/" + std::string(dag_id) + "/" + std::string(logical_date) + ".json";
}

void SortObjects(std::vector<ManifestObject>& objects) {
  std::sort(objects.begin(), objects.end(), [](const ManifestObject& a, const ManifestObject& b) {
    auto ka = SortKey(a.key), kb = SortKey(b.key);
    return std::tie(ka.first, ka.second, a.key) < std::tie(kb.first, kb.second, b.key);
  });
}

std::string EncodeManifest(const Manifest& m) {
  JsonWriter w;
  w.BeginObject()
      .Field("dag_id", m.dag_id)
      .Field("logical_date", m.logical_date)
      .Field("lake", m.lake)
      .Field("topics_dir", m.topics_dir)
      .Field("created_ms", m.created_ms)
      .Field("selection", m.selection);
  if (m.selection == "interval") {
    w.Field("interval_start_ms", m.interval_start_ms).Field("interval_end_ms", m.interval_end_ms);
  }
  w.Key("topics").BeginArray();
  for (const auto& t : m.topics) {
    w.BeginObject().Field("topic", t.topic);
    w.Field("objects_count", static_cast<int64_t>(t.objects.size()));
    w.Field("bytes", static_cast<int64_t>(t.bytes()));
    w.Key("objects").BeginArray();
    for (const auto& o : t.objects) {
      w.BeginObject()
          .Field("key", o.key)
          .Field("size", static_cast<int64_t>(o.size))
          .Field("mtime_ms", o.mtime_ms)
          .Field("etag", o.etag)
          .EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
  std::string out = w.Take();
  out += '\n';
  return out;
}

Result<Manifest> DecodeManifest(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root)) return Bad("not valid JSON");
  Manifest m;
  std::string_view s;
  int64_t i = 0;
  if (root["dag_id"].get(s)) return Bad("missing dag_id");
  m.dag_id = s;
  if (root["logical_date"].get(s)) return Bad("missing logical_date");
  m.logical_date = s;
  if (!root["lake"].get(s)) m.lake = s;
  if (!root["topics_dir"].get(s)) m.topics_dir = s;
  if (!root["created_ms"].get(i)) m.created_ms = i;
  if (!root["selection"].get(s)) m.selection = s;
  if (!root["interval_start_ms"].get(i)) m.interval_start_ms = i;
  if (!root["interval_end_ms"].get(i)) m.interval_end_ms = i;
  simdjson::dom::array topics;
  if (root["topics"].get(topics) || topics.size() != 3) return Bad("topics must hold 3 entries");
  size_t t = 0;
  for (simdjson::dom::element topic : topics) {
    if (topic["topic"].get(s)) return Bad("topic without a name");
    m.topics[t].topic = s;
    simdjson::dom::array objects;
    if (topic["objects"].get(objects)) return Bad("topic without objects");
    for (simdjson::dom::element o : objects) {
      ManifestObject obj;
      if (o["key"].get(s)) return Bad("object without a key");
      obj.key = s;
      if (o["size"].get(i) || i < 0) return Bad("object without a size");
      obj.size = static_cast<uint64_t>(i);
      if (!o["mtime_ms"].get(i)) obj.mtime_ms = i;
      if (!o["etag"].get(s)) obj.etag = s;
      m.topics[t].objects.push_back(std::move(obj));
    }
    ++t;
  }
  return m;
}

Status WriteManifest(objstore::ObjectStore& store, const Manifest& m) {
  return store.Put(ManifestKey(m.dag_id, m.logical_date), EncodeManifest(m));
}

Result<Manifest> ReadManifest(objstore::ObjectStore& store, std::string_view dag_id,
                              std::string_view logical_date) {
  const std::string key = ManifestKey(dag_id, logical_date);
  auto data = store.Get(key);
  if (!data) {
    if (data.error().code() == ErrorCode::kNotFound) {
      return MakeError(ErrorCode::kNotFound, "no manifest " + key + " in " + store.Describe() +
                                                 ": run the load task for " +
                                                 std::string(logical_date) + " first");
    }
    return std::unexpected(data.error());
  }
  return DecodeManifest(*data);
}

}  // namespace pinpipe::batch
