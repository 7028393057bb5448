// pinpipe topics list|describe and pinpipe produce: topic administration and a kcat -P style
// producer, through the running server's REST Proxy API (the same calls any client makes).
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "cli/cli_context.h"
#include "cli/rest_client.h"
#include "common/base64.h"
#include "common/json_writer.h"

namespace pinpipe::cli {
namespace {

[[noreturn]] void Fail(const Error& e) {
  PrintError(e);
  std::exit(e.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure);
}

// --format json: one JSON array.
void List(const CliContext& ctx, const std::string& format) {
  RestClient rest(ctx.ServerUrl(ctx.LoadConfigOrExit()));
  auto topics = rest.GetJson("/topics");
  if (!topics) Fail(topics.error());
  if (format == "json") {
    JsonWriter w;
    w.BeginArray();
    for (const auto& t : topics->items()) w.String(t.text());
    w.EndArray();
    std::printf("%s\n", w.str().c_str());
    return;
  }
  for (const auto& t : topics->items()) std::printf("%s\n", t.text().c_str());
}

void Describe(const CliContext& ctx, const std::string& topic, const std::string& format) {
  RestClient rest(ctx.ServerUrl(ctx.LoadConfigOrExit()));
  auto parts = rest.Partitions(topic);
  if (!parts) Fail(parts.error());
  const bool json = format == "json";
  JsonWriter w;
  w.BeginArray();
  if (!json) std::printf("%-10s %14s %14s %14s\n", "PARTITION", "BEGINNING", "END", "RECORDS");
  int64_t total = 0;
  for (int p : *parts) {
    auto o = rest.PartitionOffsets(topic, p);
    if (!o) Fail(o.error());
    total += o->end - o->beginning;
    if (json) {
      w.BeginObject()
          .Field("topic", topic)
          .Field("partition", p)
          .Field("beginning_offset", o->beginning)
          .Field("end_offset", o->end)
          .Field("records", o->end - o->beginning)
          .EndObject();
      continue;
    }
    std::printf("%-10d %14lld %14lld %14lld\n", p, static_cast<long long>(o->beginning),
                static_cast<long long>(o->end), static_cast<long long>(o->end - o->beginning));
  }
  if (json) {
    w.EndArray();
    std::printf("%s\n", w.str().c_str());
    return;
  }
  std::printf("%s: %zu partition%s, %lld record%s\n", topic.c_str(), parts->size(),
              parts->size() == 1 ? "" : "s", static_cast<long long>(total), total == 1 ? "" : "s");
}

struct ProduceFlags {
  std::string topic, key_separator, format = "json";
  int partition = -1;
  int batch = 500;
};

// Lines of stdin -> records, `batch` per request. json: each value is a JSON document, each
// key a string; binary: raw bytes (sent base64-encoded, as the REST Proxy's binary format wants).
void Produce(const CliContext& ctx, const ProduceFlags& f) {
  RestClient rest(ctx.ServerUrl(ctx.LoadConfigOrExit()));
  const bool json = f.format == "json";
  const std::string type = json ? "application/vnd.kafka.json.v2+json"
                                : "application/vnd.kafka.binary.v2+json";
  const std::string path = "/topics/" + f.topic +
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
  auto* topics = app.add_subcommand("topics", "List and describe the server's topics");
  topics->require_subcommand(1);
  topics->footer("The server: --api URL, else http://<http.bind>:<http.port> (--port PORT).");
  auto format = std::make_shared<std::string>("table");
  auto* list = topics->add_subcommand("list", "Topic names, one per line");
  list->add_option("--format", *format, "Output format (json: one array)")
      ->check(CLI::IsMember({"table", "json"}));
  list->callback([&ctx, format] { List(ctx, *format); });
  auto name = std::make_shared<std::string>();
  auto* describe = topics->add_subcommand("describe", "Partitions of a topic with their offsets");
  describe->add_option("topic", *name, "Topic")->required();
  describe->add_option("--format", *format, "Output format (json: one array)")
      ->check(CLI::IsMember({"table", "json"}));
  describe->callback([&ctx, name, format] { Describe(ctx, *name, *format); });

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
