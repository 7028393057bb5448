// pinpipe batch gen-raw (hidden): raw topic objects in the sink's layout straight from the
// dataset generator, for the batch benchmark and tests (no broker or sink needed).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "batch/raw_gen.h"
#include "cli/cli_context.h"
#include "common/logging.h"
#include "objstore/open_object_store.h"

namespace pinpipe::cli {
namespace {

[[noreturn]] void Fail(const Error& e) {
  PrintError(e);
  std::exit(kExitFailure);
}

// pinpipe batch gen-raw: raw objects in the sink's layout, straight from the generator.
struct GenRawFlags {
  int64_t interactions = 1'000'000;
  int64_t per_object = 10'000;
  uint64_t seed = 42;
  double repeat = 0.2;
  std::string lake;
};

void RunGenRaw(const CliContext& ctx, const GenRawFlags& f) {
  Config cfg = ctx.LoadConfigOrExit();
  InitLogging("warn");
  const std::string uri = f.lake.empty() ? cfg.LakeUri() : f.lake;
  objstore::OpenOptions open;
  if (uri.starts_with("s3://")) {  // the s3.* keys (endpoint, credentials), as every command
    auto s3 = objstore::S3OptionsFromConfig(cfg);
    if (!s3) Fail(s3.error());
    open.s3 = *s3;
  }
  auto store = objstore::OpenObjectStore(uri, open);
  if (!store) Fail(store.error());
  batch::RawGenOptions o;
  o.interactions = f.interactions;
  o.records_per_object = std::max<int64_t>(1, f.per_object);
  o.seed = f.seed;
  o.repeat_share = f.repeat;
  o.pipeline_id = cfg.GetString("pipeline.id");
  o.topics_dir = cfg.GetString("sink.topics_dir");
  const auto t0 = std::chrono::steady_clock::now();
  auto st = batch::GenerateRawObjects(**store, o);
  if (!st) Fail(st.error());
  std::printf("records=%lld objects=%lld bytes=%llu seconds=%.2f lake=%s\n",
              static_cast<long long>(st->records), static_cast<long long>(st->objects),
              static_cast<unsigned long long>(st->bytes),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), uri.c_str());
}

}  // namespace

void RegisterBatchCommands(CLI::App& app, CliContext& ctx) {
  auto g = std::make_shared<GenRawFlags>();
  auto* batch = app.add_subcommand("batch", "")->group("");  // hidden: benchmark/test tooling
  batch->require_subcommand(1);
  auto* gen = batch->add_subcommand("gen-raw", "Write raw topic objects in the sink's layout from the generator");
  gen->add_option("--interactions", g->interactions, "interactions (3 records each)")->capture_default_str();
  gen->add_option("--records-per-object", g->per_object, "records per object (flush.size)")->capture_default_str();
  gen->add_option("--seed", g->seed, "generator seed")->capture_default_str();
  gen->add_option("--repeat", g->repeat, "share of interactions re-posting a recent row")->capture_default_str();
  gen->add_option("--lake", g->lake, "lake directory or URI (default: lake.uri)");
  gen->callback([&ctx, g] { RunGenRaw(ctx, *g); std::exit(0); });
}

}  // namespace pinpipe::cli
