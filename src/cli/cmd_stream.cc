// pinpipe stream: the streaming job on its own over the local log of a server that is not
// running (`pinpipe stream`, `pinpipe stream --once`), and its status (`pinpipe stream status`,
// which works while the server runs: it reads the job's state and live status files).
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>

#include "batch/batch_settings.h"
#include "cli/cli_context.h"
#include "cli/worker_process.h"
#include "cli/cmd_stream.h"
#include "cli/output_format.h"
#include "emulator/json_value.h"
#include "cli/server_options.h"
#include "common/logging.h"
#include "log/embedded_log.h"
#include "stream/remote_kinesis_log.h"
#include "stream/stream_job.h"

namespace pinpipe::cli {
namespace {

class EmbeddedStreamImpl final : public EmbeddedStream {
 public:
  std::unique_ptr<log::EmbeddedLog> embedded;
  std::unique_ptr<stream::RemoteKinesisLog> remote;  // stream.source = kinesis://…
  log::LogReader* source = nullptr;  // `embedded`, the external cluster's topics, or `remote`
  std::unique_ptr<batch::BatchLake> lake;
  std::unique_ptr<stream::StreamJob> job;
  ~EmbeddedStreamImpl() override {
    if (job) job->Stop();
    if (remote) remote->Stop();
  }
  std::vector<std::string> Problems() const override { return job->Problems(); }
  void RenderPrometheus(std::string& out) const override { job->RenderPrometheus(out); }
  std::string StatusJson() const override { return job->StatusJson(); }
};

// The first offset of a Kinesis stream's shard i in its log topic's partition i (0 when the
// topic is no stream): what a deleted stream of the same name left below it is not the stream's.
using StreamsLookup = std::function<std::shared_ptr<const kinesis::StreamMeta>(std::string_view)>;
std::function<int64_t(const sink::TopicPartition&)> ShardStart(StreamsLookup lookup) {
  return [lookup = std::move(lookup)](const sink::TopicPartition& tp) -> int64_t {
    auto meta = lookup(tp.topic);
    if (!meta || tp.partition < 0 || static_cast<size_t>(tp.partition) >= meta->shards.size()) return 0;
    return meta->shards[static_cast<size_t>(tp.partition)].start_offset;
  };
}

// The metadata of a stopped server's streams, read once (pinpipe stream runs only then).
Result<StreamsLookup> ReadStreams(const Config& cfg) {
  const std::string path = JoinPath(JoinPath(JoinPath(cfg.DataDir(), "state"), "kinesis"), "streams.json");
  auto streams = std::make_shared<std::map<std::string, std::shared_ptr<const kinesis::StreamMeta>, std::less<>>>();
  if (FileSystem::Default()->Exists(path)) {
    PINPIPE_ASSIGN_OR_RETURN(std::string text, FileSystem::Default()->ReadFileToString(path));
    PINPIPE_ASSIGN_OR_RETURN(auto all, kinesis::StreamsFromJson(text));
    for (auto& s : all) {
      std::string name = s.name;  // the right side of `=` is evaluated (and s moved) first
      (*streams)[name] = std::make_shared<const kinesis::StreamMeta>(std::move(s));
    }
  }
  return StreamsLookup([streams](std::string_view name) -> std::shared_ptr<const kinesis::StreamMeta> {
    auto it = streams->find(name);
    return it == streams->end() ? nullptr : it->second;
  });
}

Result<std::unique_ptr<EmbeddedStreamImpl>> BuildStream(const Config& cfg, log::LogManager& log,
                                                        StreamsLookup streams,
                                                        log::LogReader* cluster = nullptr) {
  PINPIPE_ASSIGN_OR_RETURN(stream::StreamSettings settings, stream::StreamSettingsFromConfig(cfg));
  PINPIPE_ASSIGN_OR_RETURN(batch::BatchSettings bs, batch::BatchSettingsFromConfig(cfg));
  auto out = std::make_unique<EmbeddedStreamImpl>();
  // Kinesis streams live in the embedded log; topics (stream.source = rest or pin=T,...) in
  // the external cluster when there is one.
  if (!settings.kinesis_url.empty()) {
    // A remote Kinesis endpoint (kinesis://…): its streams through the API, SigV4-signed.
    PINPIPE_ASSIGN_OR_RETURN(stream::KinesisEndpoint endpoint,
                             stream::ParseKinesisUrl(settings.kinesis_url, settings.kinesis_region));
    stream::ApplyAwsCredentials(endpoint.credentials);
    if (endpoint.credentials.access_key_id.empty() || endpoint.credentials.secret_access_key.empty()) {
      spdlog::warn("stream: no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY: requests to {} are not signed",
                   endpoint.url);
    }
    stream::RemoteKinesisOptions ro;
    ro.idle_poll_ms = settings.kinesis_idle_poll_ms;
    ro.endpoint = std::move(endpoint);
    for (const auto& s : settings.sources) ro.streams.push_back(s.topic);
    out->remote = std::make_unique<stream::RemoteKinesisLog>(std::move(ro));
    out->source = out->remote.get();
  } else if (cluster && !settings.sources.front().kinesis) {
    out->source = cluster;
  } else {
    out->embedded = std::make_unique<log::EmbeddedLog>(log);
    out->source = out->embedded.get();
  }
  PINPIPE_ASSIGN_OR_RETURN(out->lake, batch::BatchLake::Open(bs));
  stream::StreamRuntime rt;
  batch::BatchLake* lake = out->lake.get();
  rt.open_table = [lake](std::string_view rel) { return lake->Table(rel); };
  if (out->remote) {
    rt.positions = out->remote.get();
  } else if (settings.sources.front().kinesis) {
    rt.first_offset = ShardStart(std::move(streams));
  }
  // Test hook: PINPIPE_TEST_STREAM_DELAY_MS=N sleeps N ms at each crash point of the protocol
  // (plan durable, each table committed, state durable), so that a kill -9 at a random moment
  // lands between the steps (tests/integration/test_stream.py).
  if (const char* d = std::getenv("PINPIPE_TEST_STREAM_DELAY_MS"); d && std::atoi(d) > 0) {
    const int ms = std::atoi(d);
    rt.hook = [ms](std::string_view) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      return OkStatus();
    };
  }
  PINPIPE_ASSIGN_OR_RETURN(out->job, stream::StreamJob::Create(std::move(settings),
                                                               out->source, std::move(rt)));
  // Polled only once the job has seated every shard on its committed position.
  if (out->remote) PINPIPE_RETURN_IF_ERROR(out->remote->Start());
  return out;
}

int RunStream(const CliContext& ctx, bool once) {
  Config cfg = ctx.LoadConfigOrExit();
  InitLogging(cfg.GetString("logging.level"));
  auto worker = StartWorkerProcess(cfg, "pinpipe stream reads the local log of a server that is not running; inside pinpipe serve the job runs by default");
  if (!worker) return worker.error();
  sigset_t& signals = worker->stop_signals;
  std::unique_ptr<log::LogManager>& log = worker->log;
  auto streams = ReadStreams(cfg);
  if (!streams) {
    PrintError(streams.error());
    return kExitFailure;
  }
  auto cluster = OpenClusterIfConfigured(cfg);  // kafka.bootstrap: topics from the cluster
  if (!cluster) {
    PrintError(cluster.error());
    return kExitFailure;
  }
  auto built = BuildStream(cfg, *log, std::move(*streams), cluster->get());
  if (!built) {
    PrintError(built.error());
    return kExitUsage;
  }
  auto& job = *(*built)->job;
  if (once) {
    // A remote endpoint: first read every shard up to its tip (MillisBehindLatest 0).
    Status st = (*built)->remote ? (*built)->remote->WaitCaughtUp(120'000) : OkStatus();
    if (st) st = job.RunUntilCaughtUp();
    std::fprintf(stderr, "pinpipe stream: committed batch %lld (app %s)\n",
                 static_cast<long long>(job.committed_batch()), job.app_id().c_str());
    built->reset();
    log->Close();
    if (!st) {
      PrintError(st.error());
      return kExitFailure;
    }
    return 0;
  }
  job.Start();
  spdlog::info("pinpipe stream: running (app {}); SIGTERM stops after the batch in flight",
               job.app_id());
  int sig = 0;
  sigwait(&signals, &sig);
  built->reset();  // Stop(): the batch in flight commits first
  log->Close();
  return 0;
}

int RunStatus(const CliContext& ctx, const std::string& format) {
  Config cfg = ctx.LoadConfigOrExit();
  auto settings = stream::StreamSettingsFromConfig(cfg);
  if (!settings) {
    PrintError(settings.error());
    return kExitUsage;
  }
  stream::StateFiles files(FileSystem::Default(), settings->state_dir);
  auto state = files.LoadState();
  if (!state) {
    PrintError(state.error());
    return kExitFailure;
  }
  auto plan = files.LoadPlan();
  auto live = files.LoadStatus();
  if (format != "table") {
    // The live status the job writes after every batch, or a minimal one from the state.
    std::string out;
    if (live) {
      out = *live;
    } else {
      out = "{\"name\":\"" + settings->name + "\",\"app_id\":\"" + state->app_id +
            "\",\"committed_batch\":" + std::to_string(state->batch_id) + ",\"partitions\":[";
      bool first = true;
      for (const auto& [tp, p] : state->partitions) {
        if (!first) out += ',';
        first = false;
        out += "{\"topic\":\"" + tp.topic + "\",\"partition\":" + std::to_string(tp.partition) +
               ",\"committed\":" + std::to_string(p.committed) + ",\"last_record_ms\":" +
               std::to_string(p.last_record_ms) + "}";
      }
      out += "]}";
    }
    if (format == "json") {  // one document; its rows in "partitions" (as `sink status`)
      std::printf("%s\n", out.c_str());
      return 0;
    }
    // csv, ndjson: the document's partitions, one row each, through the one listing routine.
    auto doc = emulator::JsonValue::Parse(out);
    if (!doc) {
      PrintError(doc.error());
      return kExitFailure;
    }
    report::Table t{"stream", "", {{"topic", report::ColumnType::kString},
                                   {"partition", report::ColumnType::kInt},
                                   {"shard", report::ColumnType::kString},
                                   {"committed", report::ColumnType::kInt},
                                   {"log_end", report::ColumnType::kInt},
                                   {"lag_records", report::ColumnType::kInt},
                                   {"lag_ms", report::ColumnType::kInt}},
                    {}};
    if (const auto* parts = doc->Find("partitions")) {
      for (const auto& p : parts->items()) {
        auto num = [&p](std::string_view k) -> report::Value {
          const auto* x = p.Find(k);
          auto v = x && x->is_number() ? x->as_int() : std::nullopt;
          return v ? report::Value(*v) : report::Value();
        };
        auto str = [&p](std::string_view k) -> report::Value {
          const auto* x = p.Find(k);
          return x && x->is_string() ? report::Value(x->text()) : report::Value();
        };
        t.rows.push_back({str("topic"), num("partition"), str("shard"), num("committed"),
                          num("log_end"), num("lag_records"), num("lag_ms")});
      }
    }
    PrintListing(t, format);
    return 0;
  }
  std::printf("stream %s  app %s  committed batch %lld%s\n", settings->name.c_str(),
              state->app_id.empty() ? "-" : state->app_id.c_str(),
              static_cast<long long>(state->batch_id),
              plan && *plan && (*plan)->batch_id > state->batch_id ? "  (a planned batch is pending)" : "");
  std::printf("%-44s %12s %12s %10s %10s\n", "TOPIC-PARTITION / STREAM/SHARD", "COMMITTED",
              "LOG END", "LAG", "LAG MS");
  if (live) {
    // A tiny reader of our own status JSON: the fields are written in a fixed order.
    std::string_view s = *live;
    auto field = [](std::string_view obj, std::string_view key) -> std::string {
      const std::string k = "\"" + std::string(key) + "\":";
      size_t at = obj.find(k);
      if (at == std::string_view::npos) return "";
      at += k.size();
      size_t end = obj.find_first_of(",}", at);
      std::string v(obj.substr(at, end - at));
      if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
      return v;
    };
    size_t at = s.find("\"partitions\":[");
    while (at != std::string_view::npos) {
      size_t b = s.find('{', at), e = s.find('}', b == std::string_view::npos ? at : b);
      if (b == std::string_view::npos || e == std::string_view::npos) break;
      std::string_view obj = s.substr(b, e - b + 1);
      // A Kinesis stream's partition is shown as its shard; COMMITTED is then the seqIx of the
      // shard's next record (the log offset inside its sequence numbers).
      const std::string shard = field(obj, "shard");
      const std::string where = field(obj, "topic") + (shard.empty() ? "-" + field(obj, "partition")
                                                                      : "/" + shard);
      std::printf("%-44s %12s %12s %10s %10s\n", where.c_str(),
                  field(obj, "committed").c_str(), field(obj, "log_end").c_str(),
                  field(obj, "lag_records").c_str(), field(obj, "lag_ms").c_str());
      at = e + 1;
      if (at >= s.size() || s[at] != ',') break;
    }
    // The error is free text (paths, commas, quotes): read it as JSON, not with field().
    std::string error;
    if (auto doc = emulator::JsonValue::Parse(s)) {
      if (const auto* e = doc->Find("last_error"); e && e->is_string()) error = e->text();
    }
    std::printf("last batch: %s\nerrors: %s  last error: %s\n",
                std::string(s.substr(s.find("\"last_batch\":"), s.find('}', s.find("\"last_batch\":")) -
                                                                   s.find("\"last_batch\":") + 1)).c_str(),
                field(s, "errors").c_str(), error.empty() ? "-" : error.c_str());
  } else {
    for (const auto& [tp, p] : state->partitions) {
      std::printf("%-44s %12lld %12s %10s %10s\n", tp.ToString().c_str(),
                  static_cast<long long>(p.committed), "?", "?", "?");
    }
    if (state->partitions.empty()) std::printf("(nothing read yet; state in %s)\n", settings->state_dir.c_str());
  }
  return 0;
}

}  // namespace

Result<std::unique_ptr<EmbeddedStream>> StartEmbeddedStream(const Config& cfg, log::LogManager& log,
                                                            const kinesis::StreamStore* kinesis,
                                                            log::LogReader* cluster) {
  PINPIPE_ASSIGN_OR_RETURN(bool enabled, cfg.GetBool("stream.enabled"));
  if (!enabled) return std::unique_ptr<EmbeddedStream>();
  StreamsLookup streams = [kinesis](std::string_view name) -> std::shared_ptr<const kinesis::StreamMeta> {
    return kinesis ? kinesis->Get(name) : nullptr;
  };
  PINPIPE_ASSIGN_OR_RETURN(auto built, BuildStream(cfg, log, std::move(streams), cluster));
  built->job->Start();
  spdlog::info("stream: streaming into {} (app {})", built->lake->Location("delta"),
               built->job->app_id());
  return std::unique_ptr<EmbeddedStream>(std::move(built));
}

void RegisterStreamCommands(CLI::App& app, CliContext& ctx) {
  auto once = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "stream", "Run the streaming job (streams → cleaning → Delta tables, exactly once) over the "
                "local log of a stopped server (inside pinpipe serve it runs by default), or show "
                "its status");
  cmd->add_flag("--once", *once, "Commit everything up to the log end, and exit");
  auto json = std::make_shared<bool>(false);
  auto* status = cmd->add_subcommand(
      "status", "Per partition: committed position, lag in records and time, last batch, errors");
  auto format = std::make_shared<std::string>("table");
  AddFormatOption(status, format.get());
  status->add_flag("--json", *json, "The same as --format json (deprecated)");
  status->callback([&ctx, json, format] { std::exit(RunStatus(ctx, *json ? "json" : *format)); });
  cmd->callback([&ctx, once, cmd] {
    if (cmd->get_subcommands().empty()) std::exit(RunStream(ctx, *once));
  });
}

}  // namespace pinpipe::cli
