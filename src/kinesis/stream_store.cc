#include "kinesis/stream_store.h"

#include <openssl/rand.h>
#include <simdjson.h>

#include <cstdio>

#include "common/file_system.h"
#include "common/json_writer.h"
#include "common/mutex.h"

namespace pinpipe::kinesis {

int StreamMeta::open_shards() const {
  int n = 0;
  for (const auto& s : shards) n += s.open() ? 1 : 0;
  return n;
}

std::string ShardIdOf(int32_t index) {
  // "shardId-%012d" without snprintf: every PutRecord answer carries one.
  if (index < 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "shardId-%012d", index);
    return buf;
  }
  std::string id = "shardId-000000000000";
  auto v = static_cast<uint32_t>(index);  // at most 10 digits: fits the 12
  for (size_t k = id.size(); v != 0; v /= 10) id[--k] = static_cast<char>('0' + v % 10);
  return id;
}

int32_t ShardIndexOf(const std::string& id, size_t count) {
  constexpr std::string_view kPrefix = "shardId-";
  if (!id.starts_with(kPrefix) || id.size() == kPrefix.size() || id.size() > kPrefix.size() + 12) return -1;
  int64_t v = 0;
  for (size_t k = kPrefix.size(); k < id.size(); ++k) {
    if (id[k] < '0' || id[k] > '9') return -1;
    v = v * 10 + (id[k] - '0');
  }
  return v < static_cast<int64_t>(count) ? static_cast<int32_t>(v) : -1;
}

std::string StreamsToJson(const std::vector<const StreamMeta*>& streams) {
  std::string o = "{\"version\":1,\"streams\":[";
  for (size_t k = 0; k < streams.size(); ++k) {
    const StreamMeta& s = *streams[k];
    if (k) o += ',';
    o += "{\"name\":";
    AppendJsonString(o, s.name);
    o += ",\"status\":";
    AppendJsonString(o, s.status);
    o += ",\"mode\":";
    AppendJsonString(o, s.mode);
    o += ",\"created_ms\":";
    AppendJsonInt(o, s.created_ms);
    o += ",\"retention_hours\":";
    AppendJsonInt(o, s.retention_hours);
    o += ",\"encryption\":";
    AppendJsonString(o, s.encryption);
    o += ",\"key_id\":";
    AppendJsonString(o, s.key_id);
    o += ",\"metrics\":[";
    for (size_t m = 0; m < s.shard_level_metrics.size(); ++m) {
      if (m) o += ',';
      AppendJsonString(o, s.shard_level_metrics[m]);
    }
    o += "],\"tags\":{";
    bool first = true;
    for (const auto& [tk, tv] : s.tags) {
      if (!first) o += ',';
      first = false;
      AppendJsonString(o, tk);
      o += ':';
      AppendJsonString(o, tv);
    }
    o += "},\"consumers\":[";
    for (size_t c = 0; c < s.consumers.size(); ++c) {
      if (c) o += ',';
      o += "{\"name\":";
      AppendJsonString(o, s.consumers[c].name);
      o += ",\"created_ms\":";
      AppendJsonInt(o, s.consumers[c].created_ms);
      o += '}';
    }
    o += "],\"shards\":[";
    for (size_t i = 0; i < s.shards.size(); ++i) {
      const ShardMeta& sh = s.shards[i];
      if (i) o += ',';
      o += "{\"index\":";
      AppendJsonInt(o, sh.index);
      o += ",\"parent\":";
      AppendJsonInt(o, sh.parent);
      o += ",\"adjacent_parent\":";
      AppendJsonInt(o, sh.adjacent_parent);
      o += ",\"start_hash\":\"" + HashKeyToString(sh.start_hash) + "\",\"end_hash\":\"" +
           HashKeyToString(sh.end_hash) + "\",\"created_ms\":";
      AppendJsonInt(o, sh.created_ms);
      o += ",\"start_offset\":";
      AppendJsonInt(o, sh.start_offset);
      o += ",\"end_offset\":";
      AppendJsonInt(o, sh.end_offset);
      o += ",\"closed_ms\":";
      AppendJsonInt(o, sh.closed_ms);
      o += '}';
    }
    o += "]}";
  }
  o += "]}\n";
  return o;
}

Result<std::vector<StreamMeta>> StreamsFromJson(std::string_view json) {
  auto bad = [](std::string what) {
    return MakeError(ErrorCode::kCorruption, "kinesis streams file: " + what);
  };
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root)) return bad("not JSON");
  simdjson::dom::array arr;
  if (root["streams"].get_array().get(arr)) return bad("no streams array");
  std::vector<StreamMeta> out;
  for (auto e : arr) {
    StreamMeta s;
    std::string_view sv;
    int64_t iv = 0;
    if (e["name"].get_string().get(sv)) return bad("stream without a name");
    s.name = sv;
    if (!e["status"].get_string().get(sv)) s.status = sv;
    if (!e["mode"].get_string().get(sv)) s.mode = sv;
    if (!e["created_ms"].get_int64().get(iv)) s.created_ms = iv;
    if (!e["retention_hours"].get_int64().get(iv)) s.retention_hours = static_cast<int32_t>(iv);
    if (!e["encryption"].get_string().get(sv)) s.encryption = sv;
    if (!e["key_id"].get_string().get(sv)) s.key_id = sv;
    simdjson::dom::array metrics;
    if (!e["metrics"].get_array().get(metrics)) {
      for (auto m : metrics) {
        if (!m.get_string().get(sv)) s.shard_level_metrics.emplace_back(sv);
      }
    }
    simdjson::dom::object tags;
    if (!e["tags"].get_object().get(tags)) {
      for (auto [k, v] : tags) {
        if (!v.get_string().get(sv)) s.tags[std::string(k)] = std::string(sv);
      }
    }
    simdjson::dom::array consumers;
    if (!e["consumers"].get_array().get(consumers)) {
      for (auto c : consumers) {
        ConsumerMeta cm;
        if (c["name"].get_string().get(sv) || c["created_ms"].get_int64().get(iv)) return bad("malformed consumer");
        cm.name = sv;
        cm.created_ms = iv;
        s.consumers.push_back(std::move(cm));
      }
    }
    simdjson::dom::array shards;
    if (e["shards"].get_array().get(shards)) return bad("stream " + s.name + " without shards");
    for (auto x : shards) {
      ShardMeta sh;
      int64_t idx, parent, adj, created, start, end, closed;
      std::string_view h1, h2;
      if (x["index"].get_int64().get(idx) || x["parent"].get_int64().get(parent) ||
          x["adjacent_parent"].get_int64().get(adj) || x["created_ms"].get_int64().get(created) ||
          x["start_offset"].get_int64().get(start) || x["end_offset"].get_int64().get(end) ||
          x["closed_ms"].get_int64().get(closed) || x["start_hash"].get_string().get(h1) ||
          x["end_hash"].get_string().get(h2)) {
        return bad("malformed shard in stream " + s.name);
      }
      auto a = ParseHashKey(h1), b = ParseHashKey(h2);
      if (!a || !b || idx != static_cast<int64_t>(s.shards.size())) {
        return bad("malformed shard in stream " + s.name);
      }
      sh.index = static_cast<int32_t>(idx);
      sh.parent = static_cast<int32_t>(parent);
      sh.adjacent_parent = static_cast<int32_t>(adj);
      sh.start_hash = *a;
      sh.end_hash = *b;
      sh.created_ms = created;
      sh.start_offset = start;
      sh.end_offset = end;
      sh.closed_ms = closed;
      s.shards.push_back(sh);
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::unique_ptr<StreamStore>> StreamStore::Open(const std::string& data_dir) {
  std::unique_ptr<StreamStore> st(new StreamStore());
  st->dir_ = JoinPath(JoinPath(data_dir, "state"), "kinesis");
  FileSystem* fs = FileSystem::Default();
  PINPIPE_RETURN_IF_ERROR(fs->MkdirAll(st->dir_));
  const std::string secret_path = JoinPath(st->dir_, "secret");
  if (fs->Exists(secret_path)) {
    PINPIPE_ASSIGN_OR_RETURN(st->secret_, fs->ReadFileToString(secret_path));
  }
  if (st->secret_.size() != 32) {
    // A fresh key: iterators of an earlier run (if any) stop validating, as after a rotation.
    st->secret_.assign(32, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(st->secret_.data()), 32) != 1) {
      return MakeError(ErrorCode::kInternal, "no random bytes for the shard-iterator key");
    }
    PINPIPE_RETURN_IF_ERROR(fs->WriteFileAtomically(secret_path, st->secret_));
  }
  PINPIPE_RETURN_IF_ERROR(st->Load());
  return st;
}

Status StreamStore::Load() {
  const std::string path = JoinPath(dir_, "streams.json");
  FileSystem* fs = FileSystem::Default();
  if (!fs->Exists(path)) return OkStatus();
  PINPIPE_ASSIGN_OR_RETURN(std::string text, fs->ReadFileToString(path));
  PINPIPE_ASSIGN_OR_RETURN(std::vector<StreamMeta> all, StreamsFromJson(text));
  WriterMutexLock lock(mu_);  // not shared yet; taken for the analysis
  for (auto& s : all) {
    std::string name = s.name;
    streams_[name] = std::make_shared<const StreamMeta>(std::move(s));
  }
  return OkStatus();
}

Status StreamStore::Persist(const std::map<std::string, std::shared_ptr<const StreamMeta>, std::less<>>& m) {
  std::vector<const StreamMeta*> v;
  for (const auto& [k, s] : m) v.push_back(s.get());
  return FileSystem::Default()->WriteFileAtomically(JoinPath(dir_, "streams.json"), StreamsToJson(v));
}

std::shared_ptr<const StreamMeta> StreamStore::Get(std::string_view name) const {
  ReaderMutexLock lock(mu_);
  auto it = streams_.find(name);
  return it == streams_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const StreamMeta>> StreamStore::All() const {
  ReaderMutexLock lock(mu_);
  std::vector<std::shared_ptr<const StreamMeta>> v;
  for (const auto& [k, s] : streams_) v.push_back(s);
  return v;
}

Status StreamStore::Update(const std::string& name, const Mutation& fn) {
  MutexLock guard(update_mu_);
  std::shared_ptr<const StreamMeta> cur = Get(name);
  PINPIPE_ASSIGN_OR_RETURN(std::shared_ptr<StreamMeta> next, fn(cur.get()));
  auto copy = [&] {
    ReaderMutexLock lock(mu_);
    return streams_;
  }();
  if (next) {
    copy[name] = next;
  } else {
    copy.erase(name);
  }
  PINPIPE_RETURN_IF_ERROR(Persist(copy));
  WriterMutexLock lock(mu_);
  streams_ = std::move(copy);
  return OkStatus();
}

}  // namespace pinpipe::kinesis
