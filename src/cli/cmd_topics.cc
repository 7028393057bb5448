// pinpipe topics list|describe|create|delete and pinpipe produce: topic administration and a
// kcat -P style producer, through the running server's REST Proxy API (the same calls any
// client makes: v2 for reads and produce, v3 /v3/clusters/{id}/topics for create and delete).
// With kafka.bootstrap set, list|describe|create|delete talk to that Kafka cluster directly
// (its admin API through librdkafka); no server needs to run.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <unistd.h>

#include "cli/cli_context.h"
#include "cli/output_format.h"
#include "cli/rest_client.h"
#include "cli/server_options.h"
#include "common/base64.h"
#include "common/json_writer.h"
#include "log/log_manager.h"
#include "report/table.h"

namespace pinpipe::cli {
namespace {

[[noreturn]] void Fail(const Error& e) {
  PrintError(e);
  std::exit(e.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure);
}

// The external cluster when kafka.bootstrap is set (else nullptr); exits when it does not answer.
std::unique_ptr<kafka::ClusterLog> Cluster(const Config& cfg) {
  auto cluster = OpenClusterIfConfigured(cfg);
  if (!cluster) {
    PrintError(cluster.error());
    std::exit(kExitFailure);
  }
  return std::move(*cluster);
}

// Every format through PrintListing; json: one array of topic names.
void List(const CliContext& ctx, const std::string& format) {
  const Config cfg = ctx.LoadConfigOrExit();
  if (auto cluster = Cluster(cfg)) {
    auto topics = cluster->ListTopics();
    if (!topics) Fail(topics.error());
    report::Table t{"topics", "", {{"topic", report::ColumnType::kString}}, {}};
    for (const auto& info : *topics) t.rows.push_back({info.name});
    ListingOptions o;
    o.scalar_json = true;
    PrintListing(t, format, o);
    return;
  }
  RestClient rest = ClientFor(ctx, cfg);
  auto topics = rest.GetJson("/topics");
  if (!topics) Fail(topics.error());
  report::Table t{"topics", "", {{"topic", report::ColumnType::kString}}, {}};
  for (const auto& item : topics->items()) t.rows.push_back({item.text()});
  ListingOptions o;
  o.scalar_json = true;
  PrintListing(t, format, o);
}

void Describe(const CliContext& ctx, const std::string& topic, const std::string& format) {
  const Config cfg = ctx.LoadConfigOrExit();
  std::unique_ptr<kafka::ClusterLog> cluster = Cluster(cfg);
  RestClient rest = ClientFor(ctx, cfg);
  Result<std::vector<int>> parts = std::vector<int>{};
  if (cluster) {
    auto info = cluster->LookUpTopic(topic);
    if (!info) Fail(info.error());
    for (int p = 0; p < info->partitions; ++p) parts->push_back(p);
  } else {
    parts = rest.Partitions(topic);
  }
  if (!parts) Fail(parts.error());
  report::Table t{"partitions", "", {{"topic", report::ColumnType::kString},
                                     {"partition", report::ColumnType::kInt},
                                     {"beginning_offset", report::ColumnType::kInt},
                                     {"end_offset", report::ColumnType::kInt},
                                     {"records", report::ColumnType::kInt}}, {}};
  int64_t total = 0;
  for (int p : *parts) {
    Result<RestClient::Offsets> o = RestClient::Offsets{};
    if (cluster) {
      auto offsets = cluster->Offsets({topic, p});
      if (!offsets) Fail(offsets.error());
      o->beginning = offsets->log_start_offset;
      o->end = offsets->high_watermark;
    } else {
      o = rest.PartitionOffsets(topic, p);
    }
    if (!o) Fail(o.error());
    total += o->end - o->beginning;
    t.rows.push_back({topic, int64_t{p}, o->beginning, o->end, o->end - o->beginning});
  }
  ListingOptions o;
  o.show_row_count = false;  // the footer says it
  o.table_footer = topic + ": " + Plural(static_cast<int64_t>(parts->size()), "partition") + ", " +
                   Plural(total, "record");
  PrintListing(t, format, o);
}

// The cluster id the v3 admin routes want (pinpipe answers one; a Confluent REST Proxy too).
std::string ClusterId(RestClient& rest) {
  auto clusters = rest.GetJson("/v3/clusters");
  if (!clusters) Fail(clusters.error());
  if (const auto* data = clusters->Find("data"); data && data->is_array()) {
    for (const auto& c : data->items()) {
      if (const auto* id = c.Find("cluster_id"); id && !id->text().empty()) return id->text();
    }
  }
  Fail(Error(ErrorCode::kUnavailable, "the server at " + rest.url() + " reports no cluster"));
}

// Runtime failures (the topic exists, is unknown, the server is down) exit 1; arguments this
// side can refuse before asking exit 2.
[[noreturn]] void FailRuntime(const Error& e) {
  PrintError(e);
  std::exit(kExitFailure);
}

void Create(const CliContext& ctx, const std::string& topic, int partitions,
            const std::string& format) {
  if (!log::IsValidTopicName(topic)) {
    Fail(Error(ErrorCode::kInvalidArgument,
               "invalid topic name '" + topic + "': use 1-249 characters from [a-zA-Z0-9._-], "
               "not '.' or '..'"));
  }
  const Config cfg = ctx.LoadConfigOrExit();
  if (auto kc = Cluster(cfg)) {
    const int32_t count = partitions > 0 ? partitions : kc->default_partitions();
    if (auto st = kc->CreateTopic(topic, count); !st) FailRuntime(st.error());
    if (format == "json") {
      JsonWriter w;
      w.BeginObject().Field("topic", topic).Field("partitions", int64_t{count}).EndObject();
      std::printf("%s\n", w.str().c_str());
      return;
    }
    std::printf("created topic %s (%d partition%s) on %s\n", topic.c_str(), count, count == 1 ? "" : "s",
                kc->options().bootstrap.c_str());
    return;
  }
  RestClient rest = ClientFor(ctx, cfg);
  const std::string cluster = ClusterId(rest);
  std::string body = "{\"topic_name\":" + JsonQuote(topic);
  if (partitions > 0) body += ",\"partitions_count\":" + std::to_string(partitions);
  body += "}";
  auto r = rest.Call("POST", "/v3/clusters/" + PathSegment(cluster) + "/topics", body, 60000,
                     "application/json");
  if (!r) FailRuntime(r.error());
  auto json = emulator::JsonValue::Parse(*r);
  int64_t count = partitions;
  if (json) {
    if (const auto* c = json->Find("partitions_count"); c && c->as_int()) count = *c->as_int();
  }
  if (format == "json") {
    JsonWriter w;
    w.BeginObject().Field("topic", topic).Field("partitions", count).EndObject();
    std::printf("%s\n", w.str().c_str());
    return;
  }
  std::printf("created topic %s (%lld partition%s)\n", topic.c_str(),
              static_cast<long long>(count), count == 1 ? "" : "s");
}

void Delete(const CliContext& ctx, const std::string& topic, bool yes,
            const std::string& format) {
  if (!yes) {
    if (!isatty(STDIN_FILENO)) {
      Fail(Error(ErrorCode::kInvalidArgument,
                 "deleting topic '" + topic + "' removes all its records and committed offsets; "
                 "pass --yes to confirm (stdin is not a terminal to ask)"));
    }
    std::fprintf(stderr, "Delete topic '%s' with all its records and committed offsets? [y/N] ",
                 topic.c_str());
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
      std::fprintf(stderr, "not deleted\n");
      std::exit(kExitFailure);
    }
  }
  const Config cfg = ctx.LoadConfigOrExit();
  if (auto kc = Cluster(cfg)) {
    if (auto st = kc->DeleteTopic(topic); !st) FailRuntime(st.error());
  } else {
    RestClient rest = ClientFor(ctx, cfg);
    const std::string cluster = ClusterId(rest);
    auto r = rest.Call("DELETE", "/v3/clusters/" + PathSegment(cluster) + "/topics/" + PathSegment(topic), "", 60000);
    if (!r) {
      if (r.error().code() == ErrorCode::kNotFound) {
        FailRuntime(Error(ErrorCode::kNotFound, "topic '" + topic + "' does not exist on " +
                                                    rest.url() +
                                                    " (`pinpipe topics list` lists them)"));
      }
      FailRuntime(r.error());
    }
  }
  if (format == "json") {
    JsonWriter w;
    w.BeginObject().Field("topic", topic).Field("deleted", true).EndObject();
    std::printf("%s\n", w.str().c_str());
    return;
  }
  std::printf("deleted topic %s\n", topic.c_str());
}

struct ProduceFlags {
  std::string topic, key_separator, format = "json";
  int partition = -1;
  int batch = 500;
};

// Lines of stdin -> records, `batch` per request. json: each value is a JSON document, each
// key a string; binary: raw bytes (sent base64-encoded, as the REST Proxy's binary format wants).
void Produce(const CliContext& ctx, const ProduceFlags& f) {
  RestClient rest = ClientFor(ctx, ctx.LoadConfigOrExit());
  const bool json = f.format == "json";
  const std::string type = json ? "application/vnd.kafka.json.v2+json"
                                : "application/vnd.kafka.binary.v2+json";
  const std::string path = "/topics/" + PathSegment(f.topic) +
                           (f.partition >= 0 ? "/partitions/" + std::to_string(f.partition) : "");
  auto encode = [&](std::string_view text, std::string& out) {
    if (json) {
      out += text;
    } else {
      out += '"';
      Base64Encode(text, out);
      out += '"';
    }
  };
  std::string body, line;
  int in_batch = 0;
  int64_t sent = 0, line_no = 0;
  auto flush = [&] {
    if (!in_batch) return;
    body += "]}";
    auto r = rest.Call("POST", path, body, 30000, type);
    if (!r) Fail(Error(r.error().code(), r.error().message() + " (lines " +
                                             std::to_string(line_no - in_batch + 1) + ".." +
                                             std::to_string(line_no) + ")"));
    if (r->find("\"error_code\":4") != std::string::npos ||
        r->find("\"error_code\":5") != std::string::npos) {
      Fail(Error(ErrorCode::kUnavailable, "some records were not stored: " + r->substr(0, 300)));
    }
    sent += in_batch;
    in_batch = 0;
  };
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (!in_batch) body = "{\"records\":[";
    else body += ',';
    body += "{";
    std::string_view value = line;
    if (!f.key_separator.empty()) {
      auto sep = value.find(f.key_separator);
      if (sep == std::string_view::npos) {
        Fail(Error(ErrorCode::kInvalidArgument, "line " + std::to_string(line_no) +
                                                    " has no key separator '" + f.key_separator + "'"));
      }
      body += "\"key\":";
      if (json) {
        body += JsonQuote(value.substr(0, sep));  // kcat keys are text: a JSON string
      } else {
        encode(value.substr(0, sep), body);
      }
      body += ',';
      value = value.substr(sep + f.key_separator.size());
    }
    body += "\"value\":";
    encode(value, body);
    body += '}';
    if (++in_batch == f.batch) flush();
  }
  flush();
  std::fprintf(stderr, "produced %lld records to %s\n", static_cast<long long>(sent), f.topic.c_str());
}

}  // namespace

void RegisterTopicCommands(CLI::App& app, CliContext& ctx) {
  auto* topics = app.add_subcommand("topics", "List, describe, create and delete the server's topics");
  topics->require_subcommand(1);
  topics->footer("The server: --api URL, else http://<http.bind>:<http.port> (--port PORT).\n"
                 "Exit codes: 0 ok, 1 runtime error (server unreachable, topic exists or is "
                 "unknown), 2 usage error.");
  auto format = std::make_shared<std::string>("table");
  auto* list = topics->add_subcommand("list", "Topic names");
  AddFormatOption(list, format.get());
  list->callback([&ctx, format] { List(ctx, *format); });
  auto name = std::make_shared<std::string>();
  auto* describe = topics->add_subcommand("describe", "Partitions of a topic with their offsets");
  describe->add_option("topic", *name, "Topic")->required();
  AddFormatOption(describe, format.get());
  describe->callback([&ctx, name, format] { Describe(ctx, *name, *format); });

  auto partitions = std::make_shared<int>(0);
  auto* create = topics->add_subcommand(
      "create", "Create a topic (like kafka-topics --create), through the server's v3 admin API");
  create->add_option("topic", *name, "Topic")->required();
  create->add_option("--partitions", *partitions,
                     "Partition count (default: the server's log.default_partitions)")
      ->check(CLI::Range(1, 10000));
  create->add_option("--format", *format, "Output format (json: one object)")
      ->check(CLI::IsMember({"table", "json"}));
  create->callback([&ctx, name, partitions, format] { Create(ctx, *name, *partitions, *format); });

  auto yes = std::make_shared<bool>(false);
  auto* del = topics->add_subcommand(
      "delete", "Delete a topic with all its records and committed offsets (like kafka-topics --delete)");
  del->add_option("topic", *name, "Topic")->required();
  del->add_flag("-y,--yes", *yes, "Do not ask for confirmation");
  del->add_option("--format", *format, "Output format (json: one object)")
      ->check(CLI::IsMember({"table", "json"}));
  del->footer("Without --yes it asks on a terminal, and refuses (exit 2) when stdin is not one.\n"
              "Consumers, the sink and the streaming job see the topic as unknown; a topic\n"
              "created again under the name starts empty at offset 0.");
  del->callback([&ctx, name, yes, format] { Delete(ctx, *name, *yes, *format); });

  auto f = std::make_shared<ProduceFlags>();
  auto* produce = app.add_subcommand(
      "produce", "Produce the lines of stdin to a topic, one record per line (like kcat -P)");
  produce->footer("The server: --api URL, else http://<http.bind>:<http.port> (--port PORT).");
  produce->add_option("-t,--topic", f->topic, "Topic")->required();
  produce->add_option("-K,--key-separator", f->key_separator,
                      "Split each line into key and value at the first SEP")
      ->type_name("SEP");
  produce->add_option("-p,--partition", f->partition, "Partition (default: the key's, or spread)")
      ->check(CLI::NonNegativeNumber);
  produce->add_option("--format", f->format,
                      "json (values are JSON documents, keys strings) or binary (raw bytes) (default json)")
      ->check(CLI::IsMember({"json", "binary"}));
  produce->add_option("--batch", f->batch, "Records per request (default 500)")
      ->check(CLI::Range(1, 100000));
  produce->callback([&ctx, f] { Produce(ctx, *f); });
}

}  // namespace pinpipe::cli
