// pinpipe lake show|schema|history|files TABLE: read a Delta table through the snapshot reader.
// TABLE is a table directory, or a table name in the configured lake (`pin`,
// `analytics/top_country`, `delta/pin`: lake.uri, local or s3://; cli/lake_table_arg.h).
// `lake vacuum TABLE [--retain HOURS]` deletes the data files no version within the retention
// references (lake/delta_vacuum.h), on the same tables. `write-demo-table` (hidden) writes
// the deterministic table the interop tests compare with DuckDB.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <filesystem>
#include <memory>

#include "cli/cli_context.h"
#include "cli/lake_table_arg.h"
#include "cli/output_format.h"
#include "lake/delta_demo_table.h"
#include "lake/delta_rows.h"
#include "lake/delta_snapshot.h"
#include "lake/delta_stats.h"
#include "lake/delta_storage_objstore.h"
#include "lake/delta_vacuum.h"
#include "common/json_writer.h"
#include "objstore/open_object_store.h"
#include "pinterest/result_csv.h"
#include "report/table.h"

namespace pinpipe::cli {

namespace {

struct LakeArgs {
  std::string table;
  int64_t limit = 0;
  int64_t version = -1;
  std::string format = "table";
};

[[noreturn]] void Fail(const Error& e) {
  PrintError(e);
  std::exit(kExitFailure);
}

// Buffers stdout writes; one fwrite per 64 KiB.
class Out {
 public:
  ~Out() { Flush(); }
  std::string& buf() { return buf_; }
  void MaybeFlush() {
    if (buf_.size() >= (1 << 16)) Flush();
  }
  void Flush() {
    std::fwrite(buf_.data(), 1, buf_.size(), stdout);
    buf_.clear();
  }

 private:
  std::string buf_;
};

using OpenedTable = OpenedLakeTable;

OpenedTable OpenTableOrExit(const std::string& arg, const CliContext& ctx) {
  auto t = OpenLakeTable(arg, ctx);
  if (!t) Fail(t.error());
  return std::move(*t);
}

lake::Snapshot LoadOrExit(lake::TableStorage& storage, int64_t version) {
  auto snap =
      lake::Snapshot::Load(storage, version >= 0 ? std::optional<int64_t>(version) : std::nullopt);
  if (!snap) Fail(snap.error());
  return std::move(*snap);
}

void Show(const LakeArgs& a, const CliContext& ctx) {
  OpenedTable opened = OpenTableOrExit(a.table, ctx);
  auto& storage = opened.storage;
  lake::Snapshot snap = LoadOrExit(*storage, a.version);
  const auto& fields = snap.schema().fields;
  Out out;
  report::Table table{"rows", "", {}, {}};
  for (const auto& f : fields) table.columns.push_back({f.name, report::ColumnType::kString});
  if (a.format == "csv") {
    for (size_t c = 0; c < fields.size(); ++c) {
      if (c) out.buf() += ',';
      pinterest::AppendCsvField(fields[c].name, &out.buf());
    }
    out.buf() += '\n';
  }
  std::string cell;
  const bool json = a.format == "json" || a.format == "ndjson";
  size_t n = 0;
  if (a.format == "json") out.buf() += '[';  // one array, streamed
  auto st = lake::ForEachRow(*storage, snap, a.limit, [&](const lake::RowView& row) {
    if (json) {
      std::string& b = out.buf();
      if (a.format == "json" && n) b += ",\n";
      ++n;
      b += '{';
      for (size_t c = 0; c < row.num_columns(); ++c) {
        if (c) b += ',';
        AppendJsonString(b, fields[c].name);
        b += ':';
        row.AppendJson(c, &b);
      }
      b += a.format == "json" ? "}" : "}\n";
    } else if (a.format == "csv") {
      for (size_t c = 0; c < row.num_columns(); ++c) {
        if (c) out.buf() += ',';
        cell.clear();
        row.AppendText(c, &cell);
        // Only string cells can be formulas; numbers (-3.5) and timestamps are data.
        pinterest::AppendCsvField(cell, &out.buf(), fields[c].type.is_primitive("string"));
      }
      out.buf() += '\n';
    } else {
      auto& r = table.rows.emplace_back();
      for (size_t c = 0; c < row.num_columns(); ++c) {
        cell.clear();
        if (row.IsNull(c)) {
          r.emplace_back();  // null
        } else {
          row.AppendText(c, &cell);
          r.emplace_back(cell);
        }
      }
    }
    out.MaybeFlush();
    return true;
  });
  if (!st) {
    out.Flush();
    Fail(st.error());
  }
  if (a.format == "json") out.buf() += "]\n";
  if (a.format == "table") {
    ListingOptions o;
    o.max_cell_width = 40;
    o.show_row_count = false;
    o.table_footer = "(" + Plural(static_cast<int64_t>(table.rows.size()), "row") + ", version " +
                     std::to_string(snap.version()) + ")";
    out.buf() += RenderListing(table, a.format, o);
  }
}

void SchemaCmd(const LakeArgs& a, const CliContext& ctx) {
  OpenedTable opened = OpenTableOrExit(a.table, ctx);
  auto& storage = opened.storage;
  lake::Snapshot snap = LoadOrExit(*storage, a.version);
  if (a.format == "json") {  // the Delta schema document itself, as the log stores it
    Out out;
    out.buf() += lake::DeltaSchemaToJson(snap.schema()) + "\n";
    return;
  }
  report::Table t{"schema", "", {{"column", report::ColumnType::kString},
                                 {"type", report::ColumnType::kString},
                                 {"nullable", report::ColumnType::kString},
                                 {"partition", report::ColumnType::kString}}, {}};
  const auto& parts = snap.metadata().partition_columns;
  for (const auto& f : snap.schema().fields) {
    bool is_part = std::find(parts.begin(), parts.end(), f.name) != parts.end();
    t.rows.push_back({f.name, f.type.ToString(), std::string(f.nullable ? "true" : "false"),
                      std::string(is_part ? "true" : "false")});
  }
  ListingOptions o;
  o.json_bool_columns = {"nullable", "partition"};
  o.show_row_count = false;
  o.table_footer = "(version " + std::to_string(snap.version()) + ", protocol " +
                   std::to_string(snap.protocol().min_reader_version) + "/" +
                   std::to_string(snap.protocol().min_writer_version) + ", " +
                   Plural(static_cast<int64_t>(snap.files().size()), "file") + ")";
  PrintListing(t, a.format, o);
}

std::string FormatMillis(int64_t ms) { return lake::FormatTimestampMillisUtc(ms * 1000); }

void History(const LakeArgs& a, const CliContext& ctx) {
  OpenedTable opened = OpenTableOrExit(a.table, ctx);
  auto& storage = opened.storage;
  auto history =
      lake::ReadHistory(*storage, a.limit > 0 ? static_cast<size_t>(a.limit) : 0,
                        a.version >= 0 ? std::optional<int64_t>(a.version) : std::nullopt);
  if (!history) Fail(history.error());
  // json/ndjson: Delta's commitInfo with its nested objects; table/csv: one text cell each.
  std::vector<std::string> objects;
  report::Table t{"history", "", {{"version", report::ColumnType::kInt},
                                  {"timestamp", report::ColumnType::kString},
                                  {"operation", report::ColumnType::kString},
                                  {"parameters", report::ColumnType::kString},
                                  {"userMetadata", report::ColumnType::kString},
                                  {"engine", report::ColumnType::kString}}, {}};
  const bool json = a.format == "json" || a.format == "ndjson";
  for (const auto& h : *history) {
    const lake::CommitInfo* ci = h.commit_info ? &*h.commit_info : nullptr;
    if (json) {
      JsonWriter w;
      w.BeginObject().Field("version", h.version);
      if (ci) {
        if (ci->timestamp) w.Field("timestamp", *ci->timestamp);
        w.Field("operation", ci->operation);
        w.Key("operationParameters").BeginObject();
        for (const auto& [k, v] : ci->operation_parameters) {
          w.Key(k);
          if (v) {
            w.String(*v);
          } else {
            w.Null();
          }
        }
        w.EndObject();
        if (ci->user_metadata) w.Field("userMetadata", *ci->user_metadata);
        if (!ci->engine_info.empty()) w.Field("engineInfo", ci->engine_info);
        w.Key("commitInfo").Raw(ci->raw_json);
      }
      w.EndObject();
      objects.push_back(w.str());
      continue;
    }
    std::string params;
    if (ci) {
      for (const auto& [k, v] : ci->operation_parameters) {
        if (!params.empty()) params += ", ";
        params += k + "=" + v.value_or("null");
      }
    }
    // userMetadata: the run id and logical date of the DAG run that wrote the commit.
    t.rows.push_back({h.version, ci && ci->timestamp ? FormatMillis(*ci->timestamp) : "",
                      ci ? ci->operation : "", params,
                      ci ? ci->user_metadata.value_or("") : "", ci ? ci->engine_info : ""});
  }
  if (json) {
    PrintJsonObjects(objects, a.format);
  } else {
    PrintListing(t, a.format);
  }
}

void Files(const LakeArgs& a, const CliContext& ctx) {
  OpenedTable opened = OpenTableOrExit(a.table, ctx);
  auto& storage = opened.storage;
  lake::Snapshot snap = LoadOrExit(*storage, a.version);
  std::vector<std::string> objects;
  report::Table t{"files", "", {{"file", report::ColumnType::kString},
                                {"size", report::ColumnType::kInt},
                                {"modificationTime", report::ColumnType::kInt}}, {}};
  for (const auto& f : snap.files()) {
    if (a.format == "json" || a.format == "ndjson") {
      JsonWriter w;
      w.BeginObject().Field("path", f.path).Field("file", lake::DecodeDataPath(f.path));
      w.Field("size", f.size).Field("modificationTime", f.modification_time);
      w.Key("partitionValues").BeginObject();
      for (const auto& [k, v] : f.partition_values) {
        w.Key(k);
        if (v) {
          w.String(*v);
        } else {
          w.Null();
        }
      }
      w.EndObject();
      if (f.stats) w.Key("stats").Raw(*f.stats);
      w.EndObject();
      objects.push_back(w.str());
    } else {
      t.rows.push_back({lake::DecodeDataPath(f.path), f.size, f.modification_time});
    }
  }
  if (a.format == "json" || a.format == "ndjson") {
    PrintJsonObjects(objects, a.format);
  } else {
    PrintListing(t, a.format);
  }
}

void AddTableOptions(CLI::App* cmd, LakeArgs* a, bool with_limit, bool with_version) {
  cmd->add_option("TABLE", a->table,
                  "Delta table directory, or a table of the configured lake (pin, analytics/top_country)")
      ->required();
  if (with_limit) cmd->add_option("--limit", a->limit, "At most N rows (0 = all)");
  if (with_version) {
    cmd->add_option("--version", a->version, "Time travel: read the table as of version V");
  }
  AddFormatOption(cmd, &a->format);
}

struct VacuumArgs {
  std::string table;
  double retain_hours = 168;
  bool force = false;
  bool dry_run = false;
};

void VacuumCmd(const VacuumArgs& a, const CliContext& ctx) {
  OpenedTable opened = OpenTableOrExit(a.table, ctx);
  auto& storage = opened.storage;
  lake::VacuumOptions o;
  if (!(a.retain_hours >= 0)) Fail(Error(ErrorCode::kInvalidArgument, "--retain must be >= 0"));
  o.retention = std::chrono::milliseconds(static_cast<int64_t>(a.retain_hours * 3600000.0));
  o.force = a.force;
  o.dry_run = a.dry_run;
  auto r = lake::Vacuum(*storage, o);
  if (!r) Fail(r.error());
  Out out;
  char hours[32];
  std::snprintf(hours, sizeof hours, "%g", a.retain_hours);
  for (const auto& key : r->deleted) {
    out.buf() += (a.dry_run ? "would delete " : "deleted ") + key + "\n";
  }
  out.buf() += (a.dry_run ? "would delete " : "deleted ") + std::to_string(r->deleted.size()) +
               " files (" + std::to_string(r->bytes) + " bytes) not referenced by version " +
               std::to_string(r->version) + " nor by any version of the last " +
               hours + " hours\n";
}

// The "lake" group is shared with the Parquet commands: reuse it when it exists already.
CLI::App* LakeGroup(CLI::App& app) {
  for (auto* sub : app.get_subcommands([](CLI::App* s) { return s->get_name() == "lake"; })) {
    return sub;
  }
  auto* lake = app.add_subcommand("lake", "Lake formats: Parquet files and Delta tables");
  lake->require_subcommand(1);
  return lake;
}

}  // namespace

void RegisterLakeCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* lake = LakeGroup(app);
  static LakeArgs show_args, schema_args, history_args, files_args;

  auto* show = lake->add_subcommand("show", "Print the rows of a Delta table");
  AddTableOptions(show, &show_args, true, true);
  show->callback([&ctx] { Show(show_args, ctx); });

  auto* schema = lake->add_subcommand("schema", "Print the schema of a Delta table");
  AddTableOptions(schema, &schema_args, false, true);
  schema->callback([&ctx] { SchemaCmd(schema_args, ctx); });

  auto* history =
      lake->add_subcommand("history", "Print the commits of a Delta table, newest first");
  AddTableOptions(history, &history_args, true, true);
  history->callback([&ctx] { History(history_args, ctx); });

  auto* files = lake->add_subcommand("files", "List the active data files of a Delta table");
  AddTableOptions(files, &files_args, false, true);
  files->callback([&ctx] { Files(files_args, ctx); });

  static VacuumArgs vacuum_args;
  auto* vacuum = lake->add_subcommand(
      "vacuum", "Delete the data files that no version within the retention period references "
                "(orphans of killed writers, files removed long ago)");
  vacuum->add_option("TABLE", vacuum_args.table,
                     "Delta table directory, or a table of the configured lake, local or s3:// "
                     "(pin, pinterest_pin_table, analytics/top_country)")
      ->required();
  vacuum->add_option("--retain", vacuum_args.retain_hours,
                     "Keep files referenced within this many hours (Delta's default: 168)")
      ->capture_default_str();
  vacuum->add_flag("--force", vacuum_args.force,
                   "Allow a retention below the table's delta.deletedFileRetentionDuration");
  vacuum->add_flag("--dry-run", vacuum_args.dry_run, "List the files, delete nothing");
  vacuum->callback([&ctx] { VacuumCmd(vacuum_args, ctx); });

  static std::string demo_dir;
  static int demo_appends = 25, demo_rows = 40;
  auto* demo = lake->add_subcommand("write-demo-table",
                                    "Write the deterministic Delta test table (interop tests)");
  demo->group("");  // hidden: a test helper
  demo->add_option("DIR", demo_dir, "New table directory")->required();
  demo->add_option("--appends", demo_appends, "Number of appends before the overwrite");
  demo->add_option("--rows", demo_rows, "Rows per appended file");
  demo->callback([] {
    auto r = lake::WriteDemoTable(demo_dir, demo_appends, demo_rows);
    if (!r) Fail(r.error());
    std::printf("{\"version\":%lld,\"lastAppendVersion\":%lld}\n",
                static_cast<long long>(r->version), static_cast<long long>(r->last_append_version));
  });
}

}  // namespace pinpipe::cli
