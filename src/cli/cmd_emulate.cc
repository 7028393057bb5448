// pinpipe emulate: the user posting emulator (batch mode: the Kafka REST Proxy; stream mode:
// the API-Gateway facade in front of Kinesis).
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "cli/cli_context.h"
#include "emulator/db_url.h"
#include "emulator/api_gateway_poster.h"
#include "emulator/emulator.h"
#include "emulator/rest_proxy_poster.h"

namespace pinpipe::cli {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void OnSignal(int) { g_stop = true; }

struct EmulateFlags {
  emulator::EmulatorOptions opt;
  std::string id, db, mode = "batch";
  bool no_sleep = false;
  bool quiet = false;
};

void Run(const CliContext& ctx, EmulateFlags& f) {
  Config cfg = ctx.LoadConfigOrExit();
  auto& o = f.opt;
  o.db_url = f.db.empty() ? emulator::DefaultDbUrl(cfg.DataDir()) : f.db;
  const std::string api = ctx.ServerUrl(cfg);
  const std::string key = cfg.GetString("http.api_key");  // x-api-key, when the server wants one
  const std::string id = f.id.empty() ? cfg.GetString("pipeline.id") : f.id;
  if (f.no_sleep || o.rate > 0) o.sleep = false;
  o.progress = !f.quiet;
  if (f.mode == "stream") {
    o.make_poster = [api, id, key] { return std::make_unique<emulator::ApiGatewayStreamPoster>(api, id, key); };
  } else {
    o.make_poster = [api, id, key] { return std::make_unique<emulator::RestProxyPoster>(api, id, key); };
  }
  if (o.python_compatible && o.concurrency > 1) {
    std::fprintf(stderr, "pinpipe: note: with --concurrency > 1 the rows are picked in the "
                         "original's order but may arrive interleaved\n");
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  auto stats = emulator::RunEmulator(o, &g_stop);
  if (!stats) {
    PrintError(stats.error());
    std::exit(kExitFailure);
  }
  std::printf("%s\n", emulator::FormatSummary(*stats).c_str());
  std::fflush(stdout);
  if (!stats->fatal.empty()) PrintError(Error(ErrorCode::kUnavailable, stats->fatal));
  if (!stats->ok()) std::exit(kExitFailure);
}

}  // namespace

void RegisterEmulateCommands(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<EmulateFlags>();
  auto* cmd = app.add_subcommand(
      "emulate", "Post random rows of the source database to the server's REST Proxy "
                 "(topics <id>.pin|geo|user), as the original user posting emulator did");
  cmd->footer("The server: --api URL, else http://<http.bind>:<http.port> (--port PORT).\n"
              "--mode stream PUTs each row to <api>/streams/streaming-<id>-pin|geo|user/record (the\n"
              "API-Gateway facade of Kinesis, pinpipe's or a real one), as the streaming emulator did.");
  cmd->add_option("--mode", f->mode, "batch = REST Proxy topics; stream = the Kinesis facade")
      ->check(CLI::IsMember({"batch", "stream"}));
  cmd->add_option("--id", f->id, "pipeline id: topics <id>.pin|geo|user (default pipeline.id)");
  cmd->add_option("--db", f->db, "source database URL (default sqlite://<data.dir>/source.db)");
  auto* count = cmd->add_option("--count", f->opt.count, "interactions to post (default: forever)");
  auto* duration = cmd->add_option("--duration", f->opt.duration_s, "stop after SEC seconds");
  count->excludes(duration);
  cmd->add_flag("--python-compatible", f->opt.python_compatible,
                "CPython's exact sequence: seed 100, randint(0, 11000), sleeps of 0/1 s");
  auto* no_sleep = cmd->add_flag("--no-sleep", f->no_sleep, "do not sleep between posts");
  auto* rate = cmd->add_option("--rate", f->opt.rate, "interactions per second (no sleeps)");
  no_sleep->excludes(rate);
  cmd->add_option("--concurrency", f->opt.concurrency, "parallel workers (default 1)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--batch-size", f->opt.batch_size, "records per request per topic (default 1)")
      ->check(CLI::Range(1, 100000));
  cmd->add_flag("--allow-rows-above-11000", f->opt.allow_rows_above_11000,
                "pick from every row (the original never posts rows above 11000)");
  cmd->add_option("--seed", f->opt.seed, "seed of the fast row picker (default 100)");
  cmd->add_option("--max-attempts", f->opt.max_attempts, "attempts per request (default 5)")
      ->check(CLI::Range(1, 100));
  cmd->add_option("--retry-base-ms", f->opt.retry_base_ms, "first retry delay (default 100)");
  cmd->add_flag("--quiet", f->quiet, "no live progress line");
  cmd->callback([&ctx, f] { Run(ctx, *f); });
}

}  // namespace pinpipe::cli
