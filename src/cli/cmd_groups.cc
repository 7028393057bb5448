// pinpipe groups list|describe: the consumer groups' committed offsets and their lag, as
// kafka-consumer-groups --list / --describe show them. Read-only, from the data dir (the
// offsets file <data.dir>/state/consumer_offsets.log replayed with log::ReplayOffsetEntries,
// the log end offsets from the segment files), so it works whether or not the server runs
// and never takes the server's locks. Members live only in a running server: not shown.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include "batch/sink_sensor.h"
#include "cli/cli_context.h"
#include "common/json_writer.h"
#include "log/offset_store.h"

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

void List(const CliContext& ctx, const std::string& format) {
  const Config cfg = ctx.LoadConfigOrExit();
  std::set<std::string> groups;
  for (const auto& [k, off] : ReadCommitted(cfg)) groups.insert(std::get<0>(k));
  if (format == "json") {
    JsonWriter w;
    w.BeginArray();
    for (const auto& g : groups) w.String(g);
    w.EndArray();
    std::printf("%s\n", w.str().c_str());
    return;
  }
  for (const auto& g : groups) std::printf("%s\n", g.c_str());
}

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
  const bool json = format == "json";
  JsonWriter w;
  w.BeginArray();
  if (!json) {
    std::printf("%-24s %-28s %9s %14s %14s %10s\n", "GROUP", "TOPIC", "PARTITION",
                "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG");
  }
  for (const auto& [tp, off] : rows) {
    auto it = ends->find(tp);
    const int64_t end = it == ends->end() ? -1 : it->second;  // the topic is gone from the log
    const int64_t lag = end < 0 ? -1 : std::max<int64_t>(0, end - off);
    if (json) {
      w.BeginObject().Field("group", group).Field("topic", tp.topic).Field("partition", tp.partition);
      w.Field("current_offset", off);
      if (end >= 0) {
        w.Field("log_end_offset", end).Field("lag", lag);
      } else {
        w.Key("log_end_offset").Null().Key("lag").Null();
      }
      w.EndObject();
      continue;
    }
    std::printf("%-24s %-28s %9d %14lld %14s %10s\n", group.c_str(), tp.topic.c_str(), tp.partition,
                static_cast<long long>(off), end < 0 ? "-" : std::to_string(end).c_str(),
                lag < 0 ? "-" : std::to_string(lag).c_str());
  }
  if (json) {
    w.EndArray();
    std::printf("%s\n", w.str().c_str());
  }
}

}  // namespace

void RegisterGroupCommands(CLI::App& app, CliContext& ctx) {
  auto* groups = app.add_subcommand(
      "groups", "Consumer groups: committed offsets and lag (read from the data dir)");
  groups->require_subcommand(1);
  auto format = std::make_shared<std::string>("table");
  auto* list = groups->add_subcommand("list", "Groups with committed offsets, one per line");
  list->add_option("--format", *format, "Output format (json: one array)")
      ->check(CLI::IsMember({"table", "json"}));
  list->callback([&ctx, format] { List(ctx, *format); });
  auto name = std::make_shared<std::string>();
  auto* describe = groups->add_subcommand(
      "describe", "Per topic-partition: committed offset, log end offset and lag");
  describe->add_option("group", *name, "Group")->required();
  describe->add_option("--format", *format, "Output format (json: one array)")
      ->check(CLI::IsMember({"table", "json"}));
  describe->callback([&ctx, name, format] { Describe(ctx, *name, *format); });
}

}  // namespace pinpipe::cli
