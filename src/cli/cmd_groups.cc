// pinpipe groups list|describe: the consumer groups' committed offsets and their lag, as
// kafka-consumer-groups --list / --describe show them. Read-only, from the data dir (the
// offsets file <data.dir>/state/consumer_offsets.log replayed with log::ReplayOffsetEntries,
// the log end offsets from the segment files), so it works whether or not the server runs
// and never takes the server's locks. Members live only in a running server: not shown.
// pinpipe groups reset-offsets: kafka-consumer-groups --reset-offsets through the running
// server (POST /ui/api/groups/{g}/reset-offsets), a dry run unless --execute; the server
// refuses while the group has live members.
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include "batch/sink_sensor.h"
#include "cli/cli_context.h"
#include "cli/output_format.h"
#include "cli/rest_client.h"
#include "emulator/json_value.h"
#include "common/json_writer.h"
#include "log/offset_store.h"
#include "report/table.h"

namespace pinpipe::cli {
namespace {

using Key = std::tuple<std::string, std::string, int32_t>;  // group, topic, partition

[[noreturn]] void Fail(const Error& e) {
  PrintError(e);
  std::exit(e.code() == ErrorCode::kInvalidArgument || e.code() == ErrorCode::kNotFound
                ? kExitUsage
                : kExitFailure);
}

// The committed offsets, as the server would load them (deleted keys dropped).
std::map<Key, int64_t> ReadCommitted(const Config& cfg) {
  const auto path = std::filesystem::path(cfg.DataDir()) / "state" / "consumer_offsets.log";
  std::map<Key, int64_t> out;
  std::ifstream in(path, std::ios::binary);
  if (!in) return out;  // no group ever committed
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string data = ss.str();
  log::ReplayOffsetEntries(data, [&](const log::OffsetEntry& e) {
    Key k{std::string(e.group), std::string(e.topic), e.partition};
    if (e.offset < 0) {
      out.erase(k);
    } else {
      out[k] = e.offset;
    }
  });
  return out;
}

// Every format through PrintListing; json: one array of group names.
void List(const CliContext& ctx, const std::string& format) {
  const Config cfg = ctx.LoadConfigOrExit();
  std::set<std::string> groups;
  for (const auto& [k, off] : ReadCommitted(cfg)) groups.insert(std::get<0>(k));
  report::Table t{"groups", "", {{"group", report::ColumnType::kString}}, {}};
  for (const auto& g : groups) t.rows.push_back({g});
  ListingOptions o;
  o.scalar_json = true;
  PrintListing(t, format, o);
}

// kafka-consumer-groups' columns, snake_case; a topic gone from the log has null end and lag.
void Describe(const CliContext& ctx, const std::string& group, const std::string& format) {
  const Config cfg = ctx.LoadConfigOrExit();
  std::vector<std::pair<sink::TopicPartition, int64_t>> rows;
  std::vector<std::string> topics;
  for (const auto& [k, off] : ReadCommitted(cfg)) {
    if (std::get<0>(k) != group) continue;
    rows.push_back({sink::TopicPartition{std::get<1>(k), std::get<2>(k)}, off});
    if (topics.empty() || topics.back() != std::get<1>(k)) topics.push_back(std::get<1>(k));
  }
  if (rows.empty()) {
    Fail(Error(ErrorCode::kNotFound, "consumer group '" + group + "' has no committed offsets in " +
                                         cfg.DataDir() + " (`pinpipe groups list` shows the groups)"));
  }
  auto ends = batch::ReadLogEndOffsets(cfg.DataDir(), topics);
  if (!ends) Fail(ends.error());
  report::Table t{"offsets", "", {{"group", report::ColumnType::kString},
                                  {"topic", report::ColumnType::kString},
                                  {"partition", report::ColumnType::kInt},
                                  {"current_offset", report::ColumnType::kInt},
                                  {"log_end_offset", report::ColumnType::kInt},
                                  {"lag", report::ColumnType::kInt}}, {}};
  for (const auto& [tp, off] : rows) {
    auto it = ends->find(tp);
    report::Value end, lag;  // null: the topic is gone from the log
    if (it != ends->end()) {
      end = it->second;
      lag = std::max<int64_t>(0, it->second - off);
    }
    t.rows.push_back({group, tp.topic, int64_t{tp.partition}, off, end, lag});
  }
  PrintListing(t, format);
}

struct ResetFlags {
  std::string group;
  std::vector<std::string> topics;
  std::vector<int> partitions;
  bool to_earliest = false, to_latest = false;
  std::optional<int64_t> to_offset, shift_by;
  std::string to_datetime;
  bool execute = false, dry_run = false;
  std::string format = "table";
};

void ResetOffsets(const CliContext& ctx, const ResetFlags& f) {
  const Config cfg = ctx.LoadConfigOrExit();
  JsonWriter body;
  body.BeginObject().Key("topics").BeginArray();
  for (const auto& t : f.topics) body.String(t);
  body.EndArray();
  if (!f.partitions.empty()) {
    body.Key("partitions").BeginArray();
    for (int p : f.partitions) body.Int(p);
    body.EndArray();
  }
  if (f.to_earliest) body.Field("strategy", "to-earliest");
  if (f.to_latest) body.Field("strategy", "to-latest");
  if (f.to_offset) body.Field("strategy", "to-offset").Field("value", *f.to_offset);
  if (f.shift_by) body.Field("strategy", "shift-by").Field("value", *f.shift_by);
  if (!f.to_datetime.empty()) body.Field("strategy", "to-datetime").Field("value", std::string_view(f.to_datetime));
  body.Field("dry_run", !f.execute).EndObject();
  RestClient rest = ClientFor(ctx, cfg);
  auto answer = rest.PostUi("/ui/api/groups/" + PathSegment(f.group) + "/reset-offsets", body.str());
  if (!answer) {
    // A live member (409) is a state of the server, not a usage error.
    if (answer.error().message().find(": HTTP 409:") != std::string::npos) {
      PrintError(answer.error());
      std::exit(kExitFailure);
    }
    Fail(answer.error());
  }
  auto doc = emulator::JsonValue::Parse(*answer);
  const emulator::JsonValue* parts = doc ? doc->Find("partitions") : nullptr;
  if (!parts || !parts->is_array()) Fail(Error(ErrorCode::kInternal, "unexpected answer: " + answer->substr(0, 200)));
  const bool executed = doc->Find("executed") && doc->Find("executed")->as_bool();
  report::Table t{"plan", "", {{"group", report::ColumnType::kString},
                               {"topic", report::ColumnType::kString},
                               {"partition", report::ColumnType::kInt},
                               {"current_offset", report::ColumnType::kInt},
                               {"new_offset", report::ColumnType::kInt},
                               {"log_end_offset", report::ColumnType::kInt},
                               {"lag_after", report::ColumnType::kInt},
                               {"executed", report::ColumnType::kString}}, {}};
  auto num = [](const emulator::JsonValue& row, std::string_view k) -> report::Value {
    const auto* v = row.Find(k);
    if (v && v->as_int()) return *v->as_int();
    return {};
  };
  for (const auto& row : parts->items()) {
    t.rows.push_back({f.group, row.Find("topic")->text(), num(row, "partition"),
                      num(row, "current_offset"), num(row, "new_offset"), num(row, "log_end_offset"),
                      num(row, "lag_after"), std::string(executed ? "true" : "false")});
  }
  ListingOptions o;
  o.json_bool_columns = {"executed"};  // a JSON boolean, "true"/"false" in csv and the table
  if (f.format != "table") {
    PrintListing(t, f.format, o);
    return;
  }
  o.show_row_count = false;  // the line below says what happened
  PrintListing(t, f.format, o);
  if (executed) {
    std::printf("offsets of group %s reset (%s)\n", f.group.c_str(),
                Plural(static_cast<int64_t>(parts->items().size()), "partition").c_str());
  } else {
    std::printf("dry run: nothing changed (add --execute to apply)\n");
  }
}

}  // namespace

void RegisterGroupCommands(CLI::App& app, CliContext& ctx) {
  auto* groups = app.add_subcommand(
      "groups", "Consumer groups: committed offsets and lag (read from the data dir)");
  groups->require_subcommand(1);
  auto format = std::make_shared<std::string>("table");
  auto* list = groups->add_subcommand("list", "Groups with committed offsets");
  AddFormatOption(list, format.get());
  list->callback([&ctx, format] { List(ctx, *format); });
  auto name = std::make_shared<std::string>();
  auto* describe = groups->add_subcommand(
      "describe", "Per topic-partition: committed offset, log end offset and lag");
  describe->add_option("group", *name, "Group")->required();
  AddFormatOption(describe, format.get());
  describe->callback([&ctx, name, format] { Describe(ctx, *name, *format); });

  auto rf = std::make_shared<ResetFlags>();
  auto* reset = groups->add_subcommand(
      "reset-offsets",
      "Reset a group's committed offsets through the running server (a dry run unless --execute; "
      "refused while the group has active members)");
  reset->add_option("group", rf->group, "Group")->required();
  // One value per occurrence (repeat the flag), so a flag never swallows the group name.
  reset->add_option("--topic", rf->topics, "Topic (repeat for several)")
      ->required()
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  reset->add_option("--partition", rf->partitions, "Only these partitions (repeat for several; default all)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(CLI::NonNegativeNumber);
  auto* strategy = reset->add_option_group("strategy", "Where to move the offsets (one of)");
  strategy->add_flag("--to-earliest", rf->to_earliest, "The log start");
  strategy->add_flag("--to-latest", rf->to_latest, "The log end");
  strategy->add_option("--to-offset", rf->to_offset, "This offset (clamped to the log's range)");
  strategy->add_option("--to-datetime", rf->to_datetime,
                       "The first record at or after this ISO-8601 time (e.g. 2024-01-15T13:45:00Z)");
  strategy->add_option("--shift-by", rf->shift_by, "Move by N (negative: back)");
  strategy->require_option(1);
  auto* mode = reset->add_option_group("mode", "A dry run (the default) or the real thing");
  mode->add_flag("--dry-run", rf->dry_run, "Show the plan only (the default)");
  mode->add_flag("--execute", rf->execute, "Commit the new offsets");
  mode->require_option(0, 1);
  AddFormatOption(reset, &rf->format);
  reset->callback([&ctx, rf] { ResetOffsets(ctx, *rf); });
}

}  // namespace pinpipe::cli
