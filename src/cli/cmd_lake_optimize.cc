// pinpipe lake optimize TABLE: bin-packing compaction of a Delta table (lake/delta_optimize.h),
// safe while a writer appends (the streaming job) and while readers read. TABLE is a directory
// or a table of the configured lake, local or s3:// (cli/lake_table_arg.h); a partitioned table
// (the batch's `ds`-partitioned clean tables) is compacted partition by partition.
#include <cstdio>

#include "cli/cli_context.h"
#include "cli/lake_table_arg.h"
#include "lake/delta_optimize.h"

namespace pinpipe::cli {
namespace {

CLI::App* LakeGroup(CLI::App& app) {
  for (auto* sub : app.get_subcommands([](CLI::App* a) { return a->get_name() == "lake"; })) return sub;
  auto* lake = app.add_subcommand("lake", "Lake formats: Parquet files and Delta tables");
  lake->require_subcommand(1);
  return lake;
}

int RunOptimize(const std::string& table, int64_t target_mb, const CliContext& ctx) {
  auto opened = OpenLakeTable(table, ctx);
  if (!opened) {
    PrintError(opened.error());
    return kExitFailure;
  }
  lake::DeltaTable t(std::move(opened->storage));  // opened->store outlives it
  lake::OptimizeOptions o;
  o.target_file_bytes = target_mb << 20;
  auto r = lake::Optimize(t, o);
  if (!r) {
    PrintError(r.error());
    return kExitFailure;
  }
  if (r->version < 0) {
    std::printf("%s: nothing to compact\n", table.c_str());
    return 0;
  }
  std::printf("%s: version %lld (OPTIMIZE): %lld files (%lld bytes) → %lld files (%lld bytes), "
              "%lld rows%s\n",
              table.c_str(), static_cast<long long>(r->version),
              static_cast<long long>(r->files_removed), static_cast<long long>(r->bytes_removed),
              static_cast<long long>(r->files_added), static_cast<long long>(r->bytes_added),
              static_cast<long long>(r->rows), r->checkpoint ? ", checkpoint written" : "");
  return 0;
}

}  // namespace

void RegisterLakeOptimizeCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* lake = LakeGroup(app);
  static std::string table;
  static int64_t target_mb = 128;
  auto* cmd = lake->add_subcommand(
      "optimize", "Compact a Delta table's small files into larger ones, each partition on its "
                  "own (one dataChange=false commit; safe beside appending writers and readers)");
  cmd->add_option("table", table,
                  "Delta table directory, or a table of the configured lake, local or s3:// "
                  "(pin, pinterest_pin_table, analytics/top_country)")
      ->required();
  cmd->add_option("--target-mb", target_mb, "Target file size in MiB (default 128)")
      ->check(CLI::Range(1, 1 << 20));
  cmd->callback([&ctx] { std::exit(RunOptimize(table, target_mb, ctx)); });
}

}  // namespace pinpipe::cli
