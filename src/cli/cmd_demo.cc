// pinpipe demo: the whole pipeline end to end on embedded defaults (what `make run` runs):
// create the source database, start the broker in this process, emulate interactions as the
// original user posting emulator does, read them back with the REST consumer check, wait until
// the sink (inside the broker) has landed every record in the lake, and run the batch DAG once.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <chrono>
#include <thread>

#include "cli/broker_runtime.h"
#include "cli/cli_context.h"
#include "cli/dag_support.h"
#include "common/file_system.h"
#include "common/logging.h"
#include "objstore/open_object_store.h"
#include "orchestrator/civil_time.h"
#include "orchestrator/dag_runner.h"
#include "sink/sink_state.h"
#include "emulator/consumer_check.h"
#include "emulator/db_populate.h"
#include "emulator/db_url.h"
#include "emulator/emulator.h"
#include "report/progress_bar.h"
#include "emulator/rest_proxy_poster.h"
#include "emulator/source_db.h"

namespace pinpipe::cli {
namespace {

struct DemoFlags {
  int64_t interactions = 2000;
  int64_t rows = 11154;
  int port = 0;
  double sink_wait_s = 60;
};

// Records in the log of the pipeline's topics that the sink has not committed to the lake
// yet (sum over partitions of high watermark - committed offset).
Result<int64_t> SinkLag(const Config& cfg, log::LogReader& log, const std::string& id) {
  sink::StateStore store(FileSystem::Default(), JoinPath(JoinPath(cfg.DataDir(), "state"), "sink"));
  PINPIPE_ASSIGN_OR_RETURN(sink::SinkState state, store.Load());
  int64_t lag = 0;
  for (const char* t : {"pin", "geo", "user"}) {
    const std::string topic = id + "." + t;
    for (const auto& tp : log.ListPartitions()) {
      if (tp.topic != topic) continue;
      const int32_t p = tp.partition;
      PINPIPE_ASSIGN_OR_RETURN(log::PartitionOffsets pi, log.Offsets(tp));
      auto it = state.partitions.find(sink::TopicPartition{topic, p});
      const int64_t committed = it == state.partitions.end() ? 0 : it->second.committed;
      if (it != state.partitions.end() && it->second.failed) {
        return MakeError(ErrorCode::kUnavailable, "the sink stopped on " + topic + "-" +
                                                      std::to_string(p) + ": " + it->second.last_error);
      }
      lag += std::max<int64_t>(0, pi.high_watermark - committed);
    }
  }
  return lag;
}

[[noreturn]] void Fail(const Error& e) {
  PrintError(e);
  std::exit(kExitFailure);
}

void RunDemo(const CliContext& ctx, const DemoFlags& f) {
  Config cfg = ctx.LoadConfigOrExit();
  // The demo waits for the sink: rotate objects every second instead of every 10 s, and runs
  // the DAG itself (no scheduler in this process).
  for (auto [key, value] : {std::pair{"sink.rotate_schedule_interval_ms", "1000"},
                            std::pair{"sink.enabled", "true"},
                            std::pair{"scheduler.enabled", "false"}}) {
    if (auto st = cfg.Set(key, value, "pinpipe demo"); !st) Fail(st.error());
  }
  InitLogging("warn");
  const std::string data_dir = cfg.DataDir();
  const std::string id = cfg.GetString("pipeline.id");
  std::filesystem::create_directories(data_dir);
  std::printf("pinpipe demo — data in %s\n\n", std::filesystem::absolute(data_dir).c_str());

  // 1. The source database (generated once, then reused).
  const std::string db_url = emulator::DefaultDbUrl(data_dir);
  {
    auto db = emulator::OpenSourceDb(db_url, true);
    if (!db) Fail(db.error());
    auto count = (*db)->CheckTables() ? (*db)->CountRows(emulator::TableId::kPin)
                                      : Result<int64_t>(0);
    if (!count || *count < f.rows) {
      std::printf("1. source database: generating %lld interactions into %s\n",
                  static_cast<long long>(f.rows), (*db)->Describe().c_str());
      report::ProgressBar bar("   db init", f.rows);
      Status st = emulator::PopulateGenerated(**db, {.seed = 100, .rows = f.rows},
                                              [&bar](int64_t done) { bar.Update(done); });
      bar.Finish();
      if (!st) Fail(st.error());
    } else {
      std::printf("1. source database: %s (%lld rows per table)\n", (*db)->Describe().c_str(),
                  static_cast<long long>(*count));
    }
  }

  // 2. The broker, in this process.
  auto rt = BrokerRuntime::Start(cfg, f.port, /*kafka_port_override=*/0);
  if (!rt) Fail(rt.error());
  const std::string url = (*rt)->url();
  if ((*rt)->cluster()) {
    std::printf("2. broker: Kafka REST Proxy v2 on %s (acks=all from the Kafka cluster %s)\n", url.c_str(),
                cfg.GetString("kafka.bootstrap").c_str());
  } else {
    std::printf("2. broker: Kafka REST Proxy v2 on %s (durable acks: log.flush=%s)\n", url.c_str(),
                cfg.GetString("log.flush").c_str());
  }

  // 3. The user posting emulator, in the original's exact order of rows.
  std::printf("3. emulator: posting %lld interactions (--python-compatible --no-sleep)\n",
              static_cast<long long>(f.interactions));
  emulator::EmulatorOptions eo;
  eo.db_url = db_url;
  eo.count = f.interactions;
  eo.python_compatible = true;
  eo.sleep = false;
  eo.concurrency = 4;
  const std::string key = cfg.GetString("http.api_key");
  eo.make_poster = [url, id, key] { return std::make_unique<emulator::RestProxyPoster>(url, id, key); };
  auto stats = emulator::RunEmulator(eo, nullptr);
  if (!stats) Fail(stats.error());
  std::printf("   %s\n", emulator::FormatSummary(*stats).c_str());
  if (!stats->ok()) Fail(Error(ErrorCode::kUnavailable, "the emulator could not post every interaction"));

  // 4. The consumer check, as the original's students did.
  const auto out_dir = std::filesystem::path(data_dir) / "consumer-check";
  std::filesystem::create_directories(out_dir);
  // With kafka.bootstrap the REST Proxy's consumers are members of the cluster's group.
  const bool external = (*rt)->cluster() != nullptr;
  std::printf("4. consumer check (group students, auto.offset.reset earliest%s):\n",
              external ? ", on the cluster" : "");
  for (const char* t : {"pin", "geo", "user"}) {
    emulator::ConsumeOptions co;
    co.api_url = url;
    co.api_key = key;
    co.topic = id + "." + t;
    co.instance = std::string(t) + "_consumer";
    // On a cluster the first records come after the group's join round.
    co.timeout_ms = external ? 5000 : 1500;
    auto res = emulator::RunConsumerCheck(co);
    if (!res) Fail(res.error());
    auto path = out_dir / (std::string(t) + "_consumer.json");
    std::ofstream(path) << res->json;
    std::printf("   %-16s %8lld records -> %s\n", co.topic.c_str(),
                static_cast<long long>(res->records), path.c_str());
  }

  // 5. The sink inside the broker lands the records as lake objects.
  std::printf("5. sink: waiting until every record is in the lake (%s)\n", cfg.LakeUri().c_str());
  const auto sink_start = std::chrono::steady_clock::now();
  for (;;) {
    auto lag = SinkLag(cfg, (*rt)->reader(), id);
    if (!lag) Fail(lag.error());
    if (*lag == 0) break;
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - sink_start).count();
    if (waited > f.sink_wait_s) {
      Fail(Error(ErrorCode::kTimeout, std::to_string(*lag) + " records still not in the lake after " +
                                          std::to_string(static_cast<int>(waited)) + " s (see `pinpipe sink status`)"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::printf("   landed in %.1f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - sink_start).count());
  (*rt)->Stop();

  // 6. The batch DAG, once, for today.
  const std::string date = orchestrator::FormatDate(orchestrator::NowUtc());
  std::printf("6. batch DAG pinterest_batch for %s: load >> [clean_pin, clean_geo, clean_user] >> analyze\n",
              date.c_str());
  auto env = LoadDagEnvironment(cfg);
  if (!env) Fail(env.error());
  const orchestrator::DagDefinition* dag = nullptr;
  if (auto d = (*env)->registry.Resolve("pinterest_batch"); d) dag = *d;
  else Fail(d.error());
  TerminalRunObserver observer;
  orchestrator::RunOptions ro;
  ro.logical_date = date;
  ro.parallelism = (*env)->parallelism;
  ro.observer = &observer;
  auto run = orchestrator::RunDag(*dag, ro, (*env)->history.get());
  if (!run) Fail(run.error());
  observer.PrintRunEnd(*run);
  if (!run->ok()) Fail(Error(ErrorCode::kInternal, "the batch DAG failed (see `pinpipe dag show`)"));
  std::printf("\ndone. Run `pinpipe serve` to keep the broker up; `pinpipe dag show` for the run; "
              "`pinpipe --help` for more.\n");
}

}  // namespace

void RegisterDemoCommands(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<DemoFlags>();
  auto* cmd = app.add_subcommand(
      "demo", "Run the pipeline end to end on embedded defaults (what `make run` does)");
  cmd->add_option("--interactions", f->interactions, "interactions to emulate")->capture_default_str();
  cmd->add_option("--rows", f->rows, "rows of the generated source database")->capture_default_str();
  cmd->add_option("--port", f->port, "HTTP port of the in-process broker (0 = any free port)")
      ->capture_default_str();
  cmd->add_option("--sink-wait", f->sink_wait_s, "seconds to wait for the sink")->capture_default_str();
  cmd->callback([&ctx, f] { RunDemo(ctx, *f); });
}

}  // namespace pinpipe::cli
