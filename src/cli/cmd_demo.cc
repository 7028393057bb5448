// pinpipe demo: the whole pipeline end to end on embedded defaults (what `make run` runs):
// create the source database, start the broker in this process, emulate interactions as the
// original user posting emulator does, and read them back with the REST consumer check.
// Later stages (sink, batch DAG, streaming) join here as they land.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cli/broker_runtime.h"
#include "cli/cli_context.h"
#include "common/logging.h"
#include "emulator/consumer_check.h"
#include "emulator/db_populate.h"
#include "emulator/db_url.h"
#include "emulator/emulator.h"
#include "emulator/progress_bar.h"
#include "emulator/rest_proxy_poster.h"
#include "emulator/source_db.h"

namespace pinpipe::cli {
namespace {

struct DemoFlags {
  int64_t interactions = 2000;
  int64_t rows = 11154;
  int port = 0;
};

[[noreturn]] void Fail(const Error& e) {
  PrintError(e);
  std::exit(kExitFailure);
}

void RunDemo(const CliContext& ctx, const DemoFlags& f) {
  Config cfg = ctx.LoadConfigOrExit();
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
      emulator::ProgressBar bar("   db init", f.rows);
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
  auto rt = BrokerRuntime::Start(cfg, f.port);
  if (!rt) Fail(rt.error());
  const std::string url = (*rt)->url();
  std::printf("2. broker: Kafka REST Proxy v2 on %s (durable acks: log.flush=%s)\n", url.c_str(),
              cfg.GetString("log.flush").c_str());

  // 3. The user posting emulator, in the original's exact order of rows.
  std::printf("3. emulator: posting %lld interactions (--python-compatible --no-sleep)\n",
              static_cast<long long>(f.interactions));
  emulator::EmulatorOptions eo;
  eo.db_url = db_url;
  eo.count = f.interactions;
  eo.python_compatible = true;
  eo.sleep = false;
  eo.concurrency = 4;
  eo.make_poster = [url, id] { return std::make_unique<emulator::RestProxyPoster>(url, id); };
  auto stats = emulator::RunEmulator(eo, nullptr);
  if (!stats) Fail(stats.error());
  std::printf("   %s\n", emulator::FormatSummary(*stats).c_str());
  if (!stats->ok()) Fail(Error(ErrorCode::kUnavailable, "the emulator could not post every interaction"));

  // 4. The consumer check, as the original's students did.
  const auto out_dir = std::filesystem::path(data_dir) / "consumer-check";
  std::filesystem::create_directories(out_dir);
  std::printf("4. consumer check (group students, auto.offset.reset earliest):\n");
  for (const char* t : {"pin", "geo", "user"}) {
    emulator::ConsumeOptions co;
    co.api_url = url;
    co.topic = id + "." + t;
    co.instance = std::string(t) + "_consumer";
    co.timeout_ms = 1500;
    auto res = emulator::RunConsumerCheck(co);
    if (!res) Fail(res.error());
    auto path = out_dir / (std::string(t) + "_consumer.json");
    std::ofstream(path) << res->json;
    std::printf("   %-16s %8lld records -> %s\n", co.topic.c_str(),
                static_cast<long long>(res->records), path.c_str());
  }
  (*rt)->Stop();
  std::printf("\ndone. Run `pinpipe serve` to keep the broker up; `pinpipe --help` for more.\n");
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
  cmd->callback([&ctx, f] { RunDemo(ctx, *f); });
}

}  // namespace pinpipe::cli
