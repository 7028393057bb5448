// pinpipe streams create|list|describe|delete: Kinesis stream administration through the
// running server's Kinesis API (POST / with X-Amz-Target, AWS JSON 1.1 — the calls awscli makes).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "cli/cli_context.h"
#include "cli/output_format.h"
#include "cli/rest_client.h"
#include "emulator/http_client.h"
#include "emulator/json_value.h"

namespace pinpipe::cli {
namespace {

[[noreturn]] void Fail(const Error& e) {
  PrintError(e);
  std::exit(e.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure);
}

// The server and the key it wants (http.api_key, sent as x-api-key like every client command).
struct Server {
  std::string url, key;
};

// One Kinesis call; the parsed answer (null for an empty body) or the service's error.
emulator::JsonValue Call(const Server& server, const std::string& op, const std::string& body) {
  emulator::HttpClient http;
  const std::string& api = server.url;
  std::string url = api;
  while (!url.empty() && url.back() == '/') url.pop_back();
  // The request is unsigned: pinpipe verifies signatures only when kinesis.* credentials are set.
  auto r = http.Request("POST", url + "/", "application/x-amz-json-1.1", "", body, 30000,
                        "X-Amz-Target: Kinesis_20131202." + op +
                            (server.key.empty() ? "" : "\nx-api-key: " + server.key));
  if (!r) {
    Fail(Error(r.error().code(), "cannot reach the server at " + api + ": " + r.error().message() +
                                     "; is `pinpipe serve` running? (--api URL, --port)"));
  }
  auto v = r->body.empty() ? Result<emulator::JsonValue>(emulator::JsonValue()) : emulator::JsonValue::Parse(r->body);
  if (r->status != 200) {
    std::string type = "HTTP " + std::to_string(r->status), msg;
    if (v) {
      if (const auto* t = v->Find("__type"); t && t->is_string()) type = t->text();
      if (const auto* m = v->Find("message"); m && m->is_string()) msg = m->text();
    }
    if (r->status == 403 && msg == "Forbidden") {
      msg += server.key.empty() ? "; the server at " + api + " requires an API key: set http.api_key "
                                  "(pinpipe.toml, PINPIPE_HTTP_API_KEY or --set http.api_key=KEY)"
                                : "; the server at " + api + " refused the API key of http.api_key";
    }
    Fail(Error(type == "ResourceNotFoundException" ? ErrorCode::kNotFound : ErrorCode::kInvalidArgument,
               type + (msg.empty() ? "" : ": " + msg)));
  }
  if (!v) Fail(v.error());
  return std::move(*v);
}

struct Flags {
  std::string name;
  int shards = 1;
  bool on_demand = false;
  std::string format = "table";
};

Server Api(const CliContext& ctx) {
  const Config cfg = ctx.LoadConfigOrExit();
  return {ctx.ServerUrl(cfg), cfg.GetString("http.api_key")};
}

}  // namespace

void RegisterKinesisStreamCommands(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<Flags>();
  auto* streams = app.add_subcommand("streams", "Kinesis streams of the running server (create, list, describe, delete)");
  streams->require_subcommand(1);

  auto* create = streams->add_subcommand("create", "CreateStream NAME (--shards N, or --on-demand)");
  create->add_option("name", f->name, "stream name ([a-zA-Z0-9_.-], 1..128)")->required();
  create->add_option("--shards", f->shards, "shard count (default 1)")->check(CLI::Range(1, 10000));
  create->add_flag("--on-demand", f->on_demand, "ON_DEMAND capacity mode (4 shards)");
  create->callback([&ctx, f] {
    std::string body = "{\"StreamName\":" + JsonQuote(f->name);
    body += f->on_demand ? ",\"StreamModeDetails\":{\"StreamMode\":\"ON_DEMAND\"}}"
                         : ",\"ShardCount\":" + std::to_string(f->shards) + "}";
    Call(Api(ctx), "CreateStream", body);
    std::printf("created %s\n", f->name.c_str());
  });

  auto* list = streams->add_subcommand("list", "ListStreams (every page)");
  AddFormatOption(list, &f->format);
  list->callback([&ctx, f] {
    const Server api = Api(ctx);
    // Every format through PrintListing; json: one array of stream names (as `topics list`).
    report::Table t{"streams", "", {{"stream", report::ColumnType::kString}}, {}};
    std::string after;
    while (true) {
      std::string body = after.empty() ? "{}" : "{\"ExclusiveStartStreamName\":" + JsonQuote(after) + "}";
      auto v = Call(api, "ListStreams", body);
      const auto* names = v.Find("StreamNames");
      if (!names) break;
      for (const auto& n : names->items()) {
        t.rows.push_back({n.text()});
        after = n.text();
      }
      const auto* more = v.Find("HasMoreStreams");
      if (!more || !more->as_bool() || names->items().empty()) break;
    }
    if (f->format == "table") {  // one name a line, as always
      for (const auto& r : t.rows) std::printf("%s\n", std::get<std::string>(r[0]).c_str());
      return;
    }
    ListingOptions o;
    o.scalar_json = true;
    PrintListing(t, f->format, o);
  });

  auto* describe = streams->add_subcommand("describe", "DescribeStreamSummary and ListShards of NAME");
  describe->add_option("name", f->name, "stream name")->required();
  AddFormatOption(describe, &f->format);
  describe->callback([&ctx, f] {
    const Server api = Api(ctx);
    auto sum = Call(api, "DescribeStreamSummary", "{\"StreamName\":" + JsonQuote(f->name) + "}");
    const auto* d = sum.Find("StreamDescriptionSummary");
    auto text = [&](const char* k) {
      const auto* x = d ? d->Find(k) : nullptr;
      return x ? x->text() : std::string("?");
    };
    const bool table = f->format == "table";
    if (table) std::printf("%s: %s, %s shards open, retention %s h, %s\n", f->name.c_str(), text("StreamStatus").c_str(),
                text("OpenShardCount").c_str(), text("RetentionPeriodHours").c_str(), text("StreamARN").c_str());
    auto shards = Call(api, "ListShards", "{\"StreamName\":" + JsonQuote(f->name) + "}");
    // Other formats: the shards' rows (the summary line is the table's header).
    report::Table rows{"shards", "", {{"shard", report::ColumnType::kString},
                                      {"starting_hash_key", report::ColumnType::kString},
                                      {"ending_hash_key", report::ColumnType::kString},
                                      {"state", report::ColumnType::kString}},
                       {}};
    if (table) std::printf("%-22s %-40s %-40s %s\n", "SHARD", "STARTING HASH KEY", "ENDING HASH KEY", "STATE");
    if (const auto* list = shards.Find("Shards")) {
      for (const auto& s : list->items()) {
        const auto* range = s.Find("HashKeyRange");
        const auto* seq = s.Find("SequenceNumberRange");
        bool closed = seq && seq->Find("EndingSequenceNumber");
        rows.rows.push_back({s.Find("ShardId")->text(),
                             range ? range->Find("StartingHashKey")->text() : std::string("?"),
                             range ? range->Find("EndingHashKey")->text() : std::string("?"),
                             std::string(closed ? "closed" : "open")});
      }
    }
    if (!table) {
      PrintListing(rows, f->format);
      return;
    }
    for (const auto& r : rows.rows) {
      std::printf("%-22s %-40s %-40s %s\n", std::get<std::string>(r[0]).c_str(),
                  std::get<std::string>(r[1]).c_str(), std::get<std::string>(r[2]).c_str(),
                  std::get<std::string>(r[3]).c_str());
    }
  });

  auto* del = streams->add_subcommand("delete", "DeleteStream NAME (its records stay in the log topic)");
  del->add_option("name", f->name, "stream name")->required();
  del->callback([&ctx, f] {
    Call(Api(ctx), "DeleteStream", "{\"StreamName\":" + JsonQuote(f->name) + "}");
    std::printf("deleted %s\n", f->name.c_str());
  });
}

}  // namespace pinpipe::cli
