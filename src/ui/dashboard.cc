#include "ui/dashboard.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <simdjson.h>

#include <charconv>
#include <chrono>
#include <filesystem>

#include "common/file_system.h"
#include "common/logging.h"
#include "common/mutex.h"
#include "kinesis/sequence_number.h"
#include "orchestrator/run_history.h"
#include "ui/api_json.h"
#include "ui/assets.h"

namespace pinpipe::ui {
namespace {

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    // Never reached on Linux (getrandom); a fixed token would make CSRF checks useless.
    std::abort();
  }
  return HexString(raw, bytes);
}

std::string Sha256Hex(std::string_view s) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
  return HexString(std::string_view(reinterpret_cast<const char*>(d), sizeof d), sizeof d);
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  // Digests of equal length: neither content nor length leaks through the time taken.
  std::string da = Sha256Hex(a), db = Sha256Hex(b);
  return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
}

std::string_view CookieValue(std::string_view cookies, std::string_view name) {
  while (!cookies.empty()) {
    size_t semi = cookies.find(';');
    std::string_view part = cookies.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=') {
      return part.substr(name.size() + 1);
    }
    if (semi == std::string_view::npos) break;
    cookies.remove_prefix(semi + 1);
  }
  return {};
}

std::string Query(const http::Request& q, std::string_view name, std::string_view dflt = {}) {
  auto raw = q.QueryParam(name);
  if (!raw) return std::string(dflt);
  auto decoded = http::PercentDecode(*raw, true);
  return decoded ? *decoded : std::string(dflt);
}

int64_t QueryInt(const http::Request& q, std::string_view name, int64_t dflt, int64_t lo, int64_t hi) {
  std::string s = Query(q, name);
  int64_t v = dflt;
  if (!s.empty()) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) v = dflt;
  }
  return std::clamp(v, lo, hi);
}

const char kLoginPage[] =
    "<!doctype html><meta charset=utf-8><title>pinpipe — sign in</title>"
    "<meta name=viewport content='width=device-width'>"
    "<style>body{font:16px system-ui;margin:15vh auto;max-width:22em}input,button{font:inherit;"
    "padding:.4em;margin:.3em 0;width:100%}</style>"
    "<h1>pinpipe</h1><p>This dashboard is bound to a non-loopback address: enter the API key "
    "(<code>http.api_key</code>).</p><form id=f><input id=k type=password autocomplete=current-password "
    "aria-label='API key' autofocus><button>Sign in</button></form><p id=e role=alert></p><script>"
    "f.onsubmit=async e=>{e.preventDefault();const r=await fetch('/ui/api/login',{method:'POST',"
    "headers:{'content-type':'application/json'},body:JSON.stringify({key:k.value})});"
    "if(r.ok)location.reload();else document.getElementById('e').textContent='Wrong key';}</script>";

}  // namespace

Dashboard::Dashboard(log::LogManager& log, DashboardOptions options, DashboardHooks hooks)
    : log_(log), options_(std::move(options)), hooks_(std::move(hooks)) {
  csrf_token_ = RandomHex(16);
  if (!options_.api_key.empty()) cookie_token_ = Sha256Hex("pinpipe-ui-session:" + RandomHex(16) + options_.api_key);
  started_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
}

Dashboard::~Dashboard() { Stop(); }

Dashboard::Handler Dashboard::Guard(Handler h, bool post) const {
  return [this, h = std::move(h), post](const http::Request& q, http::Responder r) {
    const bool key_ok = !options_.api_key.empty() && q.HeaderCount("x-api-key") == 1 &&
                        ConstantTimeEqual(q.Header("x-api-key"), options_.api_key);
    if (options_.require_auth) {
      if (options_.api_key.empty()) {
        return r.Send(http::Response::Json(
            403, "{\"message\":\"the dashboard is bound to a non-loopback address: set http.api_key\"}"));
      }
      bool ok = key_ok;
      if (!ok) {
        std::string_view c = CookieValue(q.Header("cookie"), "pinpipe_ui");
        ok = !c.empty() && ConstantTimeEqual(c, cookie_token_);
      }
      if (!ok) {
        if (q.path == "/ui") {
          http::Response resp;
          resp.status = 401;
          resp.content_type = "text/html; charset=utf-8";
          resp.body = kLoginPage;
          return r.Send(std::move(resp));
        }
        return r.Send(http::Response::Json(403, "{\"message\":\"Forbidden\"}"));
      }
    }
    if (post && !key_ok) {
      // CSRF: a custom header a cross-site form cannot send, holding a token a cross-site
      // page cannot read; and an Origin, when sent, naming this server. The right x-api-key
      // is such a header too (a browser sends it only when a script of ours sets it), so a
      // client with the key — the CLI, curl — needs no session token.
      if (q.HeaderCount("x-csrf-token") != 1 || !ConstantTimeEqual(q.Header("x-csrf-token"), csrf_token_)) {
        return r.Send(http::Response::Json(403, "{\"message\":\"missing or wrong x-csrf-token\"}"));
      }
      if (q.HasHeader("origin")) {
        std::string want = "http://" + std::string(q.Header("host"));
        if (q.Header("origin") != want) {
          return r.Send(http::Response::Json(403, "{\"message\":\"cross-origin request refused\"}"));
        }
      }
    }
    h(q, std::move(r));
  };
}

void Dashboard::Offload(http::Responder r, std::function<http::Response()> fn) {
  auto shared = std::make_shared<http::Responder>(std::move(r));
  bool posted = pool_.Post([shared, fn = std::move(fn)]() mutable {
    http::Response resp;
    try {
      resp = fn();
    } catch (const std::exception& e) {
      JsonWriter w;
      w.BeginObject().Field("message", std::string_view(e.what())).EndObject();
      resp = http::Response::Json(500, w.Take());
    }
    resp.headers.emplace_back("Cache-Control", "no-store");
    shared->Send(std::move(resp));
  });
  if (!posted) shared->Send(http::Response::Json(503, "{\"message\":\"dashboard busy\"}"));
}

http::Response Dashboard::Asset(std::string_view name, std::string_view if_none_match, bool gzip_ok) const {
  http::Response resp;
  if (name.empty() || name.find('/') != std::string_view::npos || name.front() == '.') {
    return http::Response::Json(404, "{\"message\":\"no such asset\"}");
  }
  if (!options_.assets_dir.empty()) {
    // Development: the file as it is on disk now, never cached.
    auto body = FileSystem::Default()->ReadFileToString(options_.assets_dir + "/" + std::string(name));
    if (!body) return http::Response::Json(404, "{\"message\":\"no such asset\"}");
    resp.content_type = std::string(ContentTypeFor(name));
    resp.body = std::move(*body);
    return resp;  // Offload marks it no-store
  }
  const EmbeddedAsset* a = FindEmbeddedAsset(name);
  if (!a) return http::Response::Json(404, "{\"message\":\"no such asset\"}");
  resp.headers.emplace_back("ETag", std::string(a->etag));
  // Revalidated on every load (names carry no hash), answered 304 while unchanged.
  resp.headers.emplace_back("Cache-Control", "no-cache");
  resp.headers.emplace_back("Vary", "Accept-Encoding");
  if (!if_none_match.empty() && if_none_match.find(a->etag) != std::string_view::npos) {
    resp.status = 304;
    return resp;
  }
  resp.content_type = std::string(a->content_type);
  if (gzip_ok) {
    resp.body = std::string(a->gz);
    resp.headers.emplace_back("Content-Encoding", "gzip");
  } else {
    resp.body = std::string(a->raw);
  }
  return resp;
}

void Dashboard::RegisterRoutes(http::Router& router) {
  http_metrics_ = router.metrics();
  AddBuiltinSources();
  AddStreamSources();
  AddRestSource();
  auto get = [&](std::string_view pattern, Handler h) { router.Add("GET", pattern, Guard(std::move(h), false)); };
  auto post = [&](std::string_view pattern, Handler h) { router.Add("POST", pattern, Guard(std::move(h), true)); };
  auto asset = [this](std::string_view name, const http::Request& q, http::Responder r) {
    const bool gz = q.Header("accept-encoding").find("gzip") != std::string_view::npos;
    if (!options_.assets_dir.empty()) {
      return Offload(std::move(r), [this, n = std::string(name)] { return Asset(n, {}, false); });
    }
    http::Response resp = Asset(name, q.Header("if-none-match"), gz);
    resp.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.Send(std::move(resp));
  };
  get("/ui", [asset](const http::Request& q, http::Responder r) { asset("index.html", q, std::move(r)); });
  get("/ui/assets/{file}", [asset](const http::Request& q, http::Responder r) {
    asset(q.PathParam("file"), q, std::move(r));  // decoded by the router
  });

  get("/ui/api/session", [this](const http::Request&, http::Responder r) {
    JsonWriter w;
    w.BeginObject().Field("csrf", std::string_view(csrf_token_)).Field("auth", options_.require_auth);
    w.Key("started_ms").Int(started_ms_).EndObject();
    auto resp = http::Response::Json(200, w.Take());
    resp.headers.emplace_back("Cache-Control", "no-store");
    r.Send(std::move(resp));
  });
  // The key → cookie exchange is not behind Guard (it is how one gets in), so it is not
  // CSRF-checked either; a cross-site page cannot know the key it would have to send.
  router.Add("POST", "/ui/api/login", [this](const http::Request& q, http::Responder r) {
    std::string key;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    std::string_view k;
    if (parser.parse(q.body.data(), q.body.size()).get(doc) == simdjson::SUCCESS &&
        doc["key"].get_string().get(k) == simdjson::SUCCESS) {
      key = std::string(k);
    }
    if (options_.api_key.empty() || !ConstantTimeEqual(key, options_.api_key)) {
      return r.Send(http::Response::Json(403, "{\"message\":\"Forbidden\"}"));
    }
    auto resp = http::Response::Json(200, "{}");
    resp.headers.emplace_back("Set-Cookie", "pinpipe_ui=" + cookie_token_ + "; Path=/ui; HttpOnly; SameSite=Strict");
    r.Send(std::move(resp));
  });

  get("/ui/api/overview", [this](const http::Request&, http::Responder r) { Offload(std::move(r), [this] { return Overview(); }); });
  get("/ui/api/history", [this](const http::Request& q, http::Responder r) {
    Offload(std::move(r), [this, names = Query(q, "names"), w = QueryInt(q, "window", 300, 10, 7 * 86400)] {
      return History(names, w);
    });
  });
  get("/ui/api/topics", [this](const http::Request&, http::Responder r) { Offload(std::move(r), [this] { return Topics(); }); });
  get("/ui/api/topics/{topic}/messages", [this](const http::Request& q, http::Responder r) {
    Offload(std::move(r), [this, t = std::string(q.PathParam("topic")), p = Query(q, "partition", "all"), f = Query(q, "from", "newest"),
                           a = Query(q, "arg"), n = QueryInt(q, "limit", 50, 1, 1000)] {
      return Messages(t, p, f, a, n);
    });
  });
  get("/ui/api/topics/{topic}/search", [this](const http::Request& q, http::Responder r) {
    auto topic = http::PercentDecode(q.PathParam("topic"));
    SearchParams sp;
    sp.partition = Query(q, "partition", "all");
    if (std::string k = Query(q, "key"); !k.empty()) sp.key = std::move(k);  // an empty key searches by time only
    sp.from_ts = Query(q, "from_ts");
    sp.to_ts = Query(q, "to_ts");
    sp.contains = Query(q, "contains");
    sp.field = Query(q, "field");
    const std::string cs = Query(q, "case_sensitive");
    sp.case_sensitive = cs == "1" || cs == "true";
    sp.max_scan = Query(q, "max_scan");
    sp.cursor = Query(q, "cursor");
    sp.limit = QueryInt(q, "limit", 50, 1, 1000);
    Offload(std::move(r), [this, t = topic.value_or(""), sp = std::move(sp)]() mutable { return Search(t, std::move(sp)); });
  });
  post("/ui/api/topics/{topic}/produce", [this](const http::Request& q, http::Responder r) {
    Offload(std::move(r), [this, t = std::string(q.PathParam("topic")), b = std::string(q.body)] { return Produce(t, b); });
  });
  get("/ui/api/groups", [this](const http::Request&, http::Responder r) { Offload(std::move(r), [this] { return Groups(); }); });
  get("/ui/api/groups/{group}", [this](const http::Request& q, http::Responder r) {
    Offload(std::move(r), [this, g = std::string(q.PathParam("group"))] { return GroupDetail(g); });
  });
  post("/ui/api/groups/{group}/reset-offsets", [this](const http::Request& q, http::Responder r) {
    Offload(std::move(r), [this, g = std::string(q.PathParam("group")), b = std::string(q.body)] { return ResetOffsets(g, b); });
  });
  get("/ui/api/sink", [this](const http::Request&, http::Responder r) { Offload(std::move(r), [this] { return Sink(); }); });
  post("/ui/api/sink/{action}", [this](const http::Request& q, http::Responder r) {
    Offload(std::move(r), [this, a = std::string(q.PathParam("action")), b = std::string(q.body)] {
      return SinkControl(a, b);
    });
  });
  get("/ui/api/rest", [this](const http::Request&, http::Responder r) { Offload(std::move(r), [this] { return RestProxy(); }); });
  get("/ui/api/streams", [this](const http::Request&, http::Responder r) { Offload(std::move(r), [this] { return KinesisStreams(); }); });
  get("/ui/api/stream", [this](const http::Request&, http::Responder r) { Offload(std::move(r), [this] { return StreamJob(); }); });
  get("/ui/api/dags", [this](const http::Request& q, http::Responder r) {
    Offload(std::move(r), [this, n = QueryInt(q, "limit", 25, 1, 1000)] { return Dags(n); });
  });
  post("/ui/api/dags/{dag}/trigger", [this](const http::Request& q, http::Responder r) {
    Offload(std::move(r), [this, d = std::string(q.PathParam("dag")), b = std::string(q.body)] { return Trigger(d, b); });
  });
  // The DAG page's graph, task log tail and backfill form (dashboard_dags.cc).
  get("/ui/api/dags/{dag}/graph", [this](const http::Request& q, http::Responder r) {
    Offload(std::move(r), [this, d = std::string(q.PathParam("dag"))] { return DagGraph(d); });
  });
  get("/ui/api/dags/runs/{run}/log", [this](const http::Request& q, http::Responder r) {
    Offload(std::move(r), [this, id = std::string(q.PathParam("run")), t = Query(q, "task"),
                           a = QueryInt(q, "after", 0, 0, INT64_MAX), n = QueryInt(q, "limit", 500, 1, 5000)] {
      int64_t pk = 0;
      auto [p, ec] = std::from_chars(id.data(), id.data() + id.size(), pk);
      if (ec != std::errc() || p != id.data() + id.size()) return http::Response::Json(400, "{\"message\":\"bad run id\"}");
      return TaskLog(pk, t, a, n);
    });
  });
  post("/ui/api/dags/{dag}/backfill", [this](const http::Request& q, http::Responder r) {
    Offload(std::move(r), [this, d = std::string(q.PathParam("dag")), b = std::string(q.body)] { return Backfill(d, b); });
  });
  get("/ui/api/lake", [this](const http::Request& q, http::Responder r) {
    Offload(std::move(r), [this, p = Query(q, "prefix")] { return Lake(p); });
  });
  get("/ui/api/lake/object", [this](const http::Request& q, http::Responder r) {
    Offload(std::move(r), [this, k = Query(q, "key")] { return LakeObject(k); });
  });
  get("/ui/api/delta", [this](const http::Request&, http::Responder r) { Offload(std::move(r), [this] { return DeltaTables(); }); });
  get("/ui/api/delta/table", [this](const http::Request& q, http::Responder r) {
    Offload(std::move(r), [this, p = Query(q, "path")] { return DeltaTable(p); });
  });
  // Delta time travel and preview (dashboard_delta.cc).
  get("/ui/api/delta/snapshot", [this](const http::Request& q, http::Responder r) {
    Offload(std::move(r), [this, p = Query(q, "path"), v = QueryInt(q, "version", -1, -1, INT64_MAX),
                           t = QueryInt(q, "timestamp", -1, -1, INT64_MAX), o = QueryInt(q, "offset", 0, 0, 100000),
                           n = QueryInt(q, "limit", 50, 1, 500)] { return DeltaSnapshot(p, v, t, o, n); });
  });
  get("/ui/api/analytics", [this](const http::Request& q, http::Responder r) {
    Offload(std::move(r), [this, d = Query(q, "date")] { return Analytics(d); });
  });
  get("/ui/api/worldmap", [this](const http::Request&, http::Responder r) {
    Offload(std::move(r), [] {
      static const std::string doc = WorldMapJson();  // built once; the shapes are compiled in
      return http::Response::Json(200, doc);
    });
  });
  get("/ui/api/analytics/result", [this](const http::Request& q, http::Responder r) {
    Offload(std::move(r), [this, d = Query(q, "date"), n = Query(q, "name")] { return AnalyticsResult(d, n); });
  });
  get("/ui/api/trace", [this](const http::Request& q, http::Responder r) {
    // A Kinesis record: its stream is the log topic, its sequence number names the shard
    // (= partition) and the offset (kinesis/sequence_number.h).
    if (std::string stream = Query(q, "stream"); !stream.empty()) {
      auto seq = kinesis::DecodeSequenceNumber(Query(q, "seq"));
      if (!seq) return r.Send(http::Response::Json(400, "{\"message\":\"seq is not a sequence number\"}"));
      return Offload(std::move(r), [this, stream, p = seq->shard_index, o = seq->offset] { return Trace(stream, p, o); });
    }
    Offload(std::move(r), [this, t = Query(q, "topic"), p = QueryInt(q, "partition", -1, -1, INT32_MAX),
                           o = QueryInt(q, "offset", -1, -1, INT64_MAX)] { return Trace(t, p, o); });
  });
  get("/ui/api/events", [this](const http::Request& q, http::Responder r) { Park(q, std::move(r)); });
}

void Dashboard::Start() {
  if (started_) return;
  started_ = true;
  sampler_.Start(options_.sample_interval_ms);
  feed_ = std::thread([this] { FeedLoop(); });
}

void Dashboard::Stop() {
  if (stop_.exchange(true)) return;
  if (feed_.joinable()) feed_.join();  // answers the parked requests on its way out
  sampler_.Stop();
  pool_.Stop();
}

orchestrator::RunHistory* Dashboard::Runs() {
  MutexLock lock(runs_mu_);
  if (runs_ || runs_failed_ || options_.run_history_path.empty()) return runs_.get();
  if (!std::filesystem::exists(options_.run_history_path)) return nullptr;  // no run yet
  auto h = orchestrator::RunHistory::Open(options_.run_history_path);
  if (!h) {
    spdlog::warn("ui: cannot open the run history {}: {}", options_.run_history_path, h.error().message());
    runs_failed_ = true;
    return nullptr;
  }
  runs_ = std::move(*h);
  return runs_.get();
}

}  // namespace pinpipe::ui
