// pinpipe sink: the S3 sink connector on its own, over the local log of a server that is not
// running (`pinpipe sink`, `pinpipe sink --once`), its status (`pinpipe sink status`, works
// while the server runs: it reads the state files), `pinpipe sink pause|resume|restart`
// (Kafka Connect's control paths of the running server) and a throughput bench (hidden).
#include <pthread.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <thread>

#include "batch/sink_sensor.h"
#include "cli/cli_context.h"
#include "cli/worker_process.h"
#include "cli/cmd_sink.h"
#include "cli/output_format.h"
#include "cli/rest_client.h"
#include "cli/server_options.h"
#include "common/json_writer.h"
#include "common/logging.h"
#include "emulator/json_value.h"
#include "objstore/open_object_store.h"
#include "report/table.h"
#include "log/embedded_log.h"
#include "sink/sink_connector.h"

namespace pinpipe::cli {
namespace {

std::string StateDir(const Config& cfg) {
  return (std::filesystem::path(cfg.DataDir()) / "state" / "sink").string();
}

Result<sink::SinkConfig> LoadSinkConfig(const Config& cfg, const std::vector<std::string>& props) {
  PINPIPE_ASSIGN_OR_RETURN(sink::SinkConfig sc, sink::SinkConfigFromConfig(cfg));
  bool topics_given = false;
  for (const auto& p : props) {
    auto eq = p.find('=');
    if (eq == std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument, "--property wants name=value: " + p);
    }
    std::string name = p.substr(0, eq);
    if (name == "topics" || name == "topics.regex") {
      if (!topics_given) {  // a topic selection given here replaces the configured one
        sc.topics.clear();
        sc.topics_regex.clear();
        topics_given = true;
      }
    }
    PINPIPE_RETURN_IF_ERROR(sc.Set(name, p.substr(eq + 1)));
  }
  PINPIPE_RETURN_IF_ERROR(sc.Validate());
  return sc;
}

class EmbeddedSinkImpl final : public EmbeddedSink {
 public:
  std::unique_ptr<log::EmbeddedLog> embedded;  // the source, unless an external cluster is
  log::LogReader* source = nullptr;
  std::unique_ptr<objstore::ObjectStore> store;
  std::unique_ptr<sink::SinkConnector> connector;
  ~EmbeddedSinkImpl() override {
    if (connector) connector->Stop();
  }
  log::LogManager* log = nullptr;
  std::vector<std::string> Problems() const override {
    return connector ? connector->Problems() : std::vector<std::string>{};
  }
  void RegisterRoutes(http::Router& router,
                      const std::function<http::Handler(http::Handler)>& guard) override {
    const std::string name = connector->config().name;
    router.Add("GET", "/connectors", guard([name](const http::Request&, http::Responder r) {
      r.Send(http::Response::Json(200, "[" + JsonQuote(name) + "]"));
    }));
    // Every path names the connector; another name is Connect's 404. The control paths are
    // also refused from a foreign Origin: a cross-site page could otherwise POST a restart.
    auto named = [name](const http::Request& q, http::Responder& r, bool control) {
      if (q.PathParam("name") != name) {
        JsonWriter w;
        w.BeginObject().Field("error_code", 404).Field(
            "message", "Connector " + std::string(q.PathParam("name")) + " not found");
        w.EndObject();
        r.Send(http::Response::Json(404, w.str()));
        return false;
      }
      if (control && q.HasHeader("origin") && q.Header("origin") != "http://" + std::string(q.Header("host"))) {
        r.Send(http::Response::Json(403, "{\"error_code\":403,\"message\":\"cross-origin request refused\"}"));
        return false;
      }
      return true;
    };
    router.Add("GET", "/connectors/{name}/status",
               guard([this, named](const http::Request& q, http::Responder r) {
                 if (named(q, r, false)) r.Send(http::Response::Json(200, StatusJson({})));
               }));
    auto empty = [](int status) {
      http::Response resp;
      resp.status = status;
      return resp;
    };
    router.Add("PUT", "/connectors/{name}/pause", guard([this, named, empty](const http::Request& q, http::Responder r) {
      if (!named(q, r, true)) return;
      connector->Pause();
      r.Send(empty(202));
    }));
    router.Add("PUT", "/connectors/{name}/resume", guard([this, named, empty](const http::Request& q, http::Responder r) {
      if (!named(q, r, true)) return;
      connector->Resume();
      r.Send(empty(202));
    }));
    router.Add("POST", "/connectors/{name}/restart", guard([this, named, empty](const http::Request& q, http::Responder r) {
      if (!named(q, r, true)) return;
      auto flag = [&](std::string_view k) { auto v = q.QueryParam(k); return v && *v == "true"; };
      const bool include_tasks = flag("includeTasks"), only_failed = flag("onlyFailed");
      auto doc = Control("restart", include_tasks, only_failed, -1);
      // Connect: 204 for the connector alone; 202 with the status when tasks are covered.
      if (!include_tasks && !only_failed) return r.Send(empty(204));
      r.Send(http::Response::Json(202, *doc));
    }));
    router.Add("POST", "/connectors/{name}/tasks/{id}/restart",
               guard([this, named, empty](const http::Request& q, http::Responder r) {
                 if (!named(q, r, true)) return;
                 int64_t id = -1;
                 std::string_view s = q.PathParam("id");
                 auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
                 auto doc = ec == std::errc() && p == s.data() + s.size() ? Control("restart-task", true, false, id)
                                                                          : Result<std::string>(MakeError(ErrorCode::kNotFound, ""));
                 if (!doc) {
                   JsonWriter w;
                   w.BeginObject().Field("error_code", 404).Field("message", "Task " + std::string(s) + " not found");
                   w.EndObject();
                   return r.Send(http::Response::Json(404, w.str()));
                 }
                 r.Send(empty(204));
               }));
  }

  std::shared_ptr<const sink::SinkLiveObjects> LiveObjects() const override { return connector->LiveObjects(); }

  Result<std::string> Control(std::string_view action, bool include_tasks, bool only_failed,
                              int64_t task) override {
    if (action == "status") return StatusJson({});
    if (action == "pause") {
      connector->Pause();
      return StatusJson({});
    }
    if (action == "resume") {
      connector->Resume();
      return StatusJson({});
    }
    auto live = connector->LiveState();
    std::set<sink::TopicPartition> restarting;
    if (action == "restart-task") {
      int64_t id = 0;
      if (live) {
        for (const auto& [tp, st] : live->partitions) {
          if (id++ == task) restarting.insert(tp);
        }
      }
      if (restarting.empty()) return MakeError(ErrorCode::kNotFound, "no task " + std::to_string(task));
      connector->RequestRestart({true, false, *restarting.begin()});
      return StatusJson(restarting);
    }
    if (action != "restart") return MakeError(ErrorCode::kInvalidArgument, "unknown action " + std::string(action));
    include_tasks = include_tasks || only_failed;
    if (include_tasks && live) {
      for (const auto& [tp, st] : live->partitions) {
        if (!only_failed || st.failed) restarting.insert(tp);
      }
    }
    connector->RequestRestart({include_tasks, only_failed, std::nullopt});
    return StatusJson(restarting);
  }

  // Runs on a reactor: the connector's shared live copy and each partition's high watermark
  // (lock-free reads and short locks only). `restarting`: tasks shown as RESTARTING.
  std::string StatusJson(const std::set<sink::TopicPartition>& restarting) const {
    const std::string& name = connector->config().name;
    auto live = connector->LiveState();
    const bool paused = connector->paused();
    const bool any_failed = live && std::any_of(live->partitions.begin(), live->partitions.end(),
                                                [](const auto& p) { return p.second.failed; });
    JsonWriter w;
    w.BeginObject().Field("name", name);
    w.Key("connector").BeginObject().Field("state", paused ? "PAUSED" : "RUNNING").Field("worker_id", "pinpipe").EndObject();
    w.Key("tasks").BeginArray();
    int id = 0;
    if (live) {
      for (const auto& [tp, st] : live->partitions) {
        int64_t end = st.log_end;
        if (auto info = log->GetPartitionInfo(tp.topic, tp.partition)) end = info->high_watermark;
        const char* state = restarting.contains(tp) ? "RESTARTING" : st.failed ? "FAILED" : paused ? "PAUSED" : "RUNNING";
        w.BeginObject()
            .Field("id", id++)
            .Field("state", state)
            .Field("worker_id", "pinpipe")
            .Field("topic", tp.topic)
            .Field("partition", static_cast<int64_t>(tp.partition))
            .Field("committed_offset", st.committed)
            .Field("log_end_offset", end)
            .Field("lag", std::max<int64_t>(0, end - st.committed))
            .Field("objects", static_cast<int64_t>(st.objects))
            .Field("bytes", static_cast<int64_t>(st.bytes))
            .Field("records", static_cast<int64_t>(st.records));
        if (!st.last_error.empty()) w.Field("trace", st.last_error);
        w.EndObject();
      }
    }
    w.EndArray().Field("type", "sink");
    if (any_failed) w.Field("degraded", true);
    w.EndObject();
    return w.str();
  }
};

Result<std::unique_ptr<EmbeddedSinkImpl>> BuildSink(const Config& cfg, log::LogManager& log,
                                                    const std::vector<std::string>& props,
                                                    log::LogReader* cluster = nullptr) {
  PINPIPE_ASSIGN_OR_RETURN(sink::SinkConfig sc, LoadSinkConfig(cfg, props));
  auto out = std::make_unique<EmbeddedSinkImpl>();
  out->log = &log;
  if (cluster) {
    out->source = cluster;
  } else {
    out->embedded = std::make_unique<log::EmbeddedLog>(log);
    out->source = out->embedded.get();
  }
  PINPIPE_ASSIGN_OR_RETURN(out->store, objstore::OpenLakeStore(cfg));
  sink::SinkRuntime rt;
  rt.state_dir = StateDir(cfg);
  PINPIPE_ASSIGN_OR_RETURN(out->connector,
                           sink::SinkConnector::Create(std::move(sc), out->source,
                                                       out->store.get(), std::move(rt)));
  return out;
}

int RunSink(const CliContext& ctx, const std::vector<std::string>& props, bool once) {
  Config cfg = ctx.LoadConfigOrExit();
  InitLogging(cfg.GetString("logging.level"));
  auto worker = StartWorkerProcess(cfg, "pinpipe sink reads the local log of a server that is not running; inside a running server the sink is part of pinpipe serve");
  if (!worker) return worker.error();
  sigset_t& signals = worker->stop_signals;
  std::unique_ptr<log::LogManager>& log = worker->log;
  // kafka.bootstrap: read the external cluster's topics; the state stays in this data dir.
  auto cluster = OpenClusterIfConfigured(cfg);
  if (!cluster) {
    PrintError(cluster.error());
    return kExitFailure;
  }
  auto built = BuildSink(cfg, *log, props, cluster->get());
  if (!built) {
    PrintError(built.error());
    return kExitUsage;
  }
  auto& connector = *(*built)->connector;
  if (once) {
    // SIGINT/SIGTERM are blocked in every thread: a watcher takes them with sigwait and
    // stops the connector, so a long (or stuck) run can always be interrupted.
    std::atomic<bool> finished{false};
    std::thread watcher([&] {
      int sig = 0;
      sigwait(&signals, &sig);
      if (!finished.load()) {
        std::fprintf(stderr, "pinpipe sink: interrupted\n");
        connector.Stop();
      }
    });
    auto st = connector.RunUntilCaughtUp(/*flush_open=*/true);
    finished.store(true);
    pthread_kill(watcher.native_handle(), SIGTERM);  // blocked, so taken by its sigwait
    watcher.join();
    auto c = connector.counters();
    std::fprintf(stderr, "pinpipe sink: %llu records in %llu objects (%llu bytes) to %s\n",
                 static_cast<unsigned long long>(c.records),
                 static_cast<unsigned long long>(c.objects),
                 static_cast<unsigned long long>(c.bytes), (*built)->store->Describe().c_str());
    built->reset();
    log->Close();
    if (!st) {
      PrintError(st.error());
      return kExitFailure;
    }
    return 0;
  }
  if (auto st = connector.Start(); !st) {
    PrintError(st.error());
    return kExitFailure;
  }
  spdlog::info("pinpipe sink: copying to {}; state in {}", (*built)->store->Describe(),
               StateDir(cfg));
  int sig = 0;
  sigwait(&signals, &sig);
  built->reset();
  log->Close();
  return 0;
}

// Whether a process holds the log directory's lock (pinpipe serve, or pinpipe sink), read from
// /proc/locks: probing with flock(2) ourselves could make a server starting at that moment
// fail to take its lock.
bool LogDirInUse(const std::string& data_dir) {
  struct stat st{};
  const std::string lock = (std::filesystem::path(data_dir) / "log" / ".lock").string();
  if (::stat(lock.c_str(), &st) != 0) return false;
  char id[64];
  std::snprintf(id, sizeof id, " %02x:%02x:%llu ", major(st.st_dev), minor(st.st_dev),
                static_cast<unsigned long long>(st.st_ino));
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    if (line.find("FLOCK") != std::string::npos && (line + " ").find(id) != std::string::npos) return true;
  }
  return false;
}

// Topics of the log the sink does not copy, each with why: posting to `<user-id>.pin` while the
// sink copies `<pipeline.id>\..*` must be visible, not a silent empty lake.
struct SkippedTopic {
  std::string topic;
  std::string reason;
};

std::vector<SkippedTopic> TopicsTheSinkSkips(const Config& cfg) {
  std::vector<SkippedTopic> out;
  auto sc = LoadSinkConfig(cfg, {});
  if (!sc) return out;  // the status still shows; `pinpipe sink` reports the config error
  std::ifstream in(std::filesystem::path(cfg.DataDir()) / "log" / "topics");
  std::string line;
  while (std::getline(in, line)) {
    std::string topic = line.substr(0, line.find(' '));
    if (topic.empty() || topic == sc->dlq_topic || sc->Matches(topic)) continue;
    std::string reason;
    if (!sc->topics.empty()) {
      reason = "not in sink.topics (";
      for (size_t i = 0; i < sc->topics.size(); ++i) reason += (i ? ", " : "") + sc->topics[i];
      reason += ")";
    } else {
      reason = "does not match sink.topics_regex '" + sc->topics_regex + "' (pipeline.id '" +
               cfg.GetString("pipeline.id") + "')";
    }
    out.push_back({std::move(topic), std::move(reason)});
  }
  return out;
}

int RunStatus(const CliContext& ctx, const std::string& format) {
  Config cfg = ctx.LoadConfigOrExit();
  sink::StateStore store(FileSystem::Default(), StateDir(cfg));
  auto state = store.LoadForStatus();
  if (!state) {
    PrintError(state.error());
    return kExitFailure;
  }
  // Running: the state (refreshed about once a second by the connector) is live. Stopped: it is
  // what the last run left, and says so. Either way the log end comes from the log's segment
  // files now, not from what the connector last saw.
  const bool running = LogDirInUse(cfg.DataDir());
  std::vector<std::string> topics;
  for (const auto& [tp, st] : state->partitions) {
    if (topics.empty() || topics.back() != tp.topic) topics.push_back(tp.topic);
  }
  if (auto ends = batch::ReadLogEndOffsets(cfg.DataDir(), topics)) {
    for (auto& [tp, st] : state->partitions) {
      if (auto it = ends->find(tp); it != ends->end()) st.log_end = it->second;
    }
  }
  // A paused connector keeps its marker file while the server runs (and across restarts).
  const bool paused = running && std::filesystem::exists(StateDir(cfg) + "/paused");
  const char* connector_state = paused ? "PAUSED" : running ? "RUNNING" : "STOPPED";
  auto state_of = [&](const sink::PartitionState& s) { return s.failed ? "FAILED" : connector_state; };
  // One row per topic-partition, the same columns in every format.
  report::Table t{"partitions", "", {{"topic", report::ColumnType::kString},
                                     {"partition", report::ColumnType::kInt},
                                     {"committed", report::ColumnType::kInt},
                                     {"log_end", report::ColumnType::kInt},
                                     {"lag", report::ColumnType::kInt},
                                     {"objects", report::ColumnType::kInt},
                                     {"bytes", report::ColumnType::kInt},
                                     {"records", report::ColumnType::kInt},
                                     {"skipped", report::ColumnType::kInt},
                                     {"dead_lettered", report::ColumnType::kInt},
                                     {"state", report::ColumnType::kString},
                                     {"planned_objects", report::ColumnType::kInt},
                                     {"error_offset", report::ColumnType::kInt},
                                     {"last_error", report::ColumnType::kString}}, {}};
  for (const auto& [tp, s] : state->partitions) {
    t.rows.push_back({tp.topic, int64_t{tp.partition}, s.committed, s.log_end,
                      std::max<int64_t>(0, s.log_end - s.committed), static_cast<int64_t>(s.objects),
                      static_cast<int64_t>(s.bytes), static_cast<int64_t>(s.records),
                      static_cast<int64_t>(s.skipped), static_cast<int64_t>(s.dlq),
                      std::string(state_of(s)), static_cast<int64_t>(s.plan.size()), s.error_offset,
                      s.last_error.empty() ? report::Value{} : report::Value{s.last_error}});
  }
  const std::vector<SkippedTopic> skipped = TopicsTheSinkSkips(cfg);
  if (format == "json") {  // one object: the partitions' array, the connector's state, skipped topics
    std::string rows = RenderListing(t, "json");
    rows.pop_back();  // the newline
    std::string out = "{\"partitions\":" + rows + ",\"connector\":";
    AppendJsonString(out, connector_state);
    out += ",\"skipped_topics\":[";
    for (size_t i = 0; i < skipped.size(); ++i) {
      out += i ? ",{\"topic\":" : "{\"topic\":";
      AppendJsonString(out, skipped[i].topic);
      out += ",\"reason\":";
      AppendJsonString(out, skipped[i].reason);
      out += "}";
    }
    out += "]}\n";
    std::fputs(out.c_str(), stdout);
    return 0;
  }
  if (format != "table") {
    PrintListing(t, format);
    return 0;
  }
  if (paused) {
    std::printf("connector PAUSED (`pinpipe sink resume` resumes it; live state)\n");
  } else if (running) {
    std::printf("connector RUNNING (live state, refreshed about once a second)\n");
  } else {
    std::printf("connector STOPPED (no pinpipe serve or pinpipe sink runs on %s; offsets as the "
                "last run left them)\n", cfg.DataDir().c_str());
  }
  ListingOptions o;
  if (state->partitions.empty()) o.table_footer = "(no partitions copied yet; state in " + StateDir(cfg) + ")";
  o.show_row_count = !state->partitions.empty();
  PrintListing(t, format, o);
  for (const auto& k : skipped) {
    std::printf("not copied: %s — %s\n", k.topic.c_str(), k.reason.c_str());
  }
  return 0;
}

// pinpipe sink pause|resume|restart: Kafka Connect's REST control paths of the running server.
int RunControl(const CliContext& ctx, const std::string& action, bool include_tasks, bool only_failed, int task) {
  Config cfg = ctx.LoadConfigOrExit();
  RestClient rest = ClientFor(ctx, cfg);
  auto names = rest.GetJson("/connectors");
  if (!names) {
    if (names.error().code() == ErrorCode::kNotFound) {
      PrintError(Error(ErrorCode::kUnavailable, "the server at " + rest.url() + " runs no sink connector (sink.enabled)"));
    } else {
      PrintError(names.error());
    }
    return kExitFailure;
  }
  if (!names->is_array() || names->items().empty() || !names->items()[0].is_string()) {
    PrintError(Error(ErrorCode::kUnavailable, "the server at " + rest.url() + " runs no sink connector"));
    return kExitFailure;
  }
  const std::string base = "/connectors/" + PathSegment(names->items()[0].text());
  Result<std::string> r = MakeError(ErrorCode::kInternal, "");
  if (action == "pause" || action == "resume") {
    r = rest.Call("PUT", base + "/" + action, "", 30000, "application/json");
  } else if (task >= 0) {
    r = rest.Call("POST", base + "/tasks/" + std::to_string(task) + "/restart", "", 30000, "application/json");
  } else {
    std::string q;
    if (include_tasks) q += "includeTasks=true";
    if (only_failed) q += std::string(q.empty() ? "" : "&") + "onlyFailed=true";
    r = rest.Call("POST", base + "/restart" + (q.empty() ? "" : "?" + q), "", 30000, "application/json");
  }
  if (!r) {
    PrintError(r.error());
    return r.error().code() == ErrorCode::kNotFound ? kExitUsage : kExitFailure;
  }
  const char* done = action == "pause" ? "paused" : action == "resume" ? "resumed" : "restart requested";
  std::printf("sink connector %s: %s\n", names->items()[0].text().c_str(), done);
  if (action == "restart" && !r->empty()) {
    // The 202 answer lists the tasks that restart (RESTARTING).
    if (auto doc = emulator::JsonValue::Parse(*r); doc && doc->Find("tasks")) {
      for (const auto& t : doc->Find("tasks")->items()) {
        const auto* st = t.Find("state");
        if (!st || st->text() != "RESTARTING") continue;
        std::printf("  task %lld %s-%lld restarting\n", static_cast<long long>(t.Find("id")->as_int().value_or(-1)),
                    t.Find("topic")->text().c_str(), static_cast<long long>(t.Find("partition")->as_int().value_or(-1)));
      }
    }
  }
  return 0;
}

// Fills a fresh log with `records` JSON values (~350 B, like a pin post) and times the sink
// over it (the log fill is not timed). Prints "records_per_s=… objects_per_s=…".
int RunBench(const CliContext& ctx, int64_t records, int64_t flush_size, int partitions) {
  Config cfg = ctx.LoadConfigOrExit();
  InitLogging("warn");
  std::string dir = cfg.DataDir();
  log::LogOptions lo;
  lo.dir = dir;
  lo.default_partitions = partitions;
  lo.flush.mode = log::FlushPolicy::Mode::kOs;
  lo.retention_check_interval_ms = 0;
  auto log = log::LogManager::Open(lo);
  if (!log) {
    PrintError(log.error());
    return kExitFailure;
  }
  const std::string topic = "bench.pin";
  (void)(*log)->CreateTopic(topic, partitions);
  std::vector<std::string> values;
  std::vector<log::Record> batch;
  const int per_batch = 500;
  for (int64_t i = 0; i < records; i += per_batch) {
    values.clear();
    batch.clear();
    for (int64_t j = i; j < std::min(records, i + per_batch); ++j) {
      // ~350 B, the size of a pin post as the REST Proxy stores it.
      values.push_back(
          "{\"index\":" + std::to_string(j) +
          ",\"unique_id\":\"2ea7d8d8-4b4c-4f2b-9a3b-0b5c8e" + std::to_string(100000 + j % 900000) +
          "\",\"title\":\"Bench pin with a realistic title\",\"description\":\"Lorem "
          "ipsum dolor sit amet, consectetur adipiscing elit\",\"follower_count\":\"124k\","
          "\"poster_name\":\"bench\",\"tag_list\":\"a,b,c\",\"is_image_or_video\":\"image\","
          "\"image_src\":\"https://i.pinimg.com/x.jpg\",\"category\":\"bench\"}");
    }
    for (const auto& v : values) batch.push_back(log::Record{std::nullopt, v, {}, -1});
    int32_t p = static_cast<int32_t>((i / per_batch) % partitions);
    if (auto r = (*log)->Append(topic, p, batch); !r) {
      PrintError(r.error());
      return kExitFailure;
    }
  }
  (void)(*log)->Flush();
  std::vector<std::string> props = {"topics=" + topic, "flush.size=" + std::to_string(flush_size),
                                    "rotate.schedule.interval.ms=-1"};
  auto built = BuildSink(cfg, **log, props);
  if (!built) {
    PrintError(built.error());
    return kExitUsage;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto st = (*built)->connector->RunUntilCaughtUp(true);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!st) {
    PrintError(st.error());
    return kExitFailure;
  }
  auto c = (*built)->connector->counters();
  std::printf("records=%llu objects=%llu bytes=%llu seconds=%.3f records_per_s=%.0f "
              "objects_per_s=%.0f\n",
              static_cast<unsigned long long>(c.records), static_cast<unsigned long long>(c.objects),
              static_cast<unsigned long long>(c.bytes), secs, c.records / secs, c.objects / secs);
  built->reset();
  (*log)->Close();
  return 0;
}

}  // namespace

Result<std::unique_ptr<EmbeddedSink>> StartEmbeddedSink(const Config& cfg, log::LogManager& log,
                                                        log::LogReader* cluster) {
  PINPIPE_ASSIGN_OR_RETURN(bool enabled, cfg.GetBool("sink.enabled"));
  if (!enabled) return std::unique_ptr<EmbeddedSink>();
  PINPIPE_ASSIGN_OR_RETURN(auto built, BuildSink(cfg, log, {}, cluster));
  PINPIPE_RETURN_IF_ERROR(built->connector->Start());
  spdlog::info("sink: copying topics {}to {}", cluster ? "of the Kafka cluster " : "", built->store->Describe());
  return std::unique_ptr<EmbeddedSink>(std::move(built));
}

void RegisterSinkCommands(CLI::App& app, CliContext& ctx) {
  auto props = std::make_shared<std::vector<std::string>>();
  auto once = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "sink", "Run the S3 sink connector over the local log of a stopped server (inside "
              "pinpipe serve it runs by default), or show its status");
  cmd->add_option("-p,--property", *props,
                  "Connector setting by its Confluent name: -p flush.size=3 -p topics=a,b")
      ->take_all();
  cmd->add_flag("--once", *once,
                "Copy everything up to the log end, flush the open objects, and exit");
  auto json = std::make_shared<bool>(false);
  auto* status = cmd->add_subcommand(
      "status", "Per topic-partition: committed offset, lag, objects and bytes, last error; "
                "RUNNING or STOPPED (is a server running on the data dir?)");
  auto format = std::make_shared<std::string>("table");
  status->add_flag("--json", *json, "The same as --format json");
  AddFormatOption(status, format.get())
      ->description("Output format: table, json (one object: the partitions' array and the "
                    "connector's state), csv (with a header) or ndjson (one partition per line)");
  status->callback([&ctx, json, format] { std::exit(RunStatus(ctx, *json ? "json" : *format)); });

  for (const char* action : {"pause", "resume"}) {
    auto* c = cmd->add_subcommand(action, std::string(action == std::string("pause")
                                                          ? "Pause the running server's sink: it lands nothing until resumed (kept across restarts)"
                                                          : "Resume the running server's paused sink where it stopped"));
    c->callback([&ctx, a = std::string(action)] { std::exit(RunControl(ctx, a, false, false, -1)); });
  }
  auto include_tasks = std::make_shared<bool>(false);
  auto only_failed = std::make_shared<bool>(false);
  auto task = std::make_shared<int>(-1);
  auto* restart = cmd->add_subcommand(
      "restart", "Restart the running server's sink connector (with --include-tasks its tasks re-read from "
                 "their committed offsets; --only-failed: FAILED tasks only)");
  restart->add_flag("--include-tasks", *include_tasks, "Restart the tasks too");
  restart->add_flag("--only-failed", *only_failed, "Only tasks in FAILED state");
  restart->add_option("--task", *task, "Restart this task id only (ids as in GET /connectors/{name}/status)")
      ->check(CLI::NonNegativeNumber);
  restart->callback([&ctx, include_tasks, only_failed, task] {
    std::exit(RunControl(ctx, "restart", *include_tasks, *only_failed, *task));
  });

  auto records = std::make_shared<int64_t>(1'000'000);
  auto flush = std::make_shared<int64_t>(1000);
  auto parts = std::make_shared<int>(3);
  auto* bench = cmd->add_subcommand("bench", "Throughput into the lake over a pre-filled log");
  bench->group("");  // hidden
  bench->add_option("--records", *records, "records to fill and copy");
  bench->add_option("--flush-size", *flush, "flush.size");
  bench->add_option("--partitions", *parts, "partitions");
  bench->callback([&ctx, records, flush, parts] {
    std::exit(RunBench(ctx, *records, *flush, *parts));
  });

  cmd->callback([&ctx, props, once, cmd] {
    if (cmd->get_subcommands().empty()) std::exit(RunSink(ctx, *props, *once));
  });
}

}  // namespace pinpipe::cli
