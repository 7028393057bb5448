// pinpipe consume: read a topic through the running server's REST Proxy consumer API and
// write the JSON array the original consumer check wrote (pin_consumer.json ...). A consumer
// group remembers what it read: a second run reads only new records, unless --from-beginning.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <thread>

#include "cli/cli_context.h"
#include "cli/rest_client.h"

namespace pinpipe::cli {
namespace {

struct ConsumeFlags {
  std::string group = "students";
  std::string topic, out, instance;
  int64_t max_records = -1;
  int timeout_ms = 5000;
  bool from_beginning = false;
};

struct Consumed {
  int64_t records = 0;
  std::string json = "[";
};

Result<Consumed> Consume(RestClient& rest, const ConsumeFlags& f, const std::vector<int>& parts) {
  const std::string instance =
      f.instance.empty() ? "pinpipe-consume-" + std::to_string(getpid()) : f.instance;
  const std::string group = "/consumers/" + PathSegment(f.group);
  const std::string inst = group + "/instances/" + PathSegment(instance);
  PINPIPE_RETURN_IF_ERROR(rest.Call("POST", group,
                                    "{\"name\":" + JsonQuote(instance) +
                                        ",\"format\":\"json\",\"auto.offset.reset\":\"earliest\","
                                        "\"auto.commit.enable\":\"false\"}"));
  auto run = [&]() -> Result<Consumed> {
    if (f.from_beginning) {
      // Every partition, positioned at the log start whatever the group committed.
      std::string list;
      for (int p : parts) {
        list += (list.empty() ? "" : ",") + std::string("{\"topic\":") + JsonQuote(f.topic) +
                ",\"partition\":" + std::to_string(p) + "}";
      }
      PINPIPE_RETURN_IF_ERROR(rest.Call("POST", inst + "/assignments", "{\"partitions\":[" + list + "]}"));
      PINPIPE_RETURN_IF_ERROR(rest.Call("POST", inst + "/positions/beginning", "{\"partitions\":[" + list + "]}"));
    } else {
      PINPIPE_RETURN_IF_ERROR(
          rest.Call("POST", inst + "/subscription", "{\"topics\":[" + JsonQuote(f.topic) + "]}"));
    }
    Consumed out;
    std::map<int, int64_t> last;  // partition -> offset of the last record written out
    auto last_record = std::chrono::steady_clock::now();
    const auto idle = std::chrono::milliseconds(f.timeout_ms);
    while (f.max_records < 0 || out.records < f.max_records) {
      const int poll_ms = std::max(100, std::min(f.timeout_ms, 1000));
      PINPIPE_ASSIGN_OR_RETURN(std::string body,
                               rest.Call("GET", inst + "/records?timeout=" + std::to_string(poll_ms),
                                         "", poll_ms + 30000));
      PINPIPE_ASSIGN_OR_RETURN(emulator::JsonValue records, emulator::JsonValue::Parse(body));
      if (!records.is_array()) return MakeError(ErrorCode::kCorruption, "records response is not an array");
      for (const auto& rec : records.items()) {
        if (f.max_records >= 0 && out.records >= f.max_records) break;
        if (out.records) out.json += ", ";
        rec.AppendPython(&out.json);
        ++out.records;
        const auto* p = rec.Find("partition");
        const auto* o = rec.Find("offset");
        if (p && o && p->as_int() && o->as_int()) last[static_cast<int>(*p->as_int())] = *o->as_int();
      }
      if (!records.items().empty()) {
        last_record = std::chrono::steady_clock::now();
      } else if (std::chrono::steady_clock::now() - last_record >= idle) {
        break;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    out.json += "]";
    // Commit what was written out — not all that was fetched: with --max-records the rest of
    // the last response is left for the group's next run.
    std::string commits;
    for (const auto& [p, offset] : last) {
      commits += (commits.empty() ? "" : ",") + std::string("{\"topic\":") + JsonQuote(f.topic) +
                 ",\"partition\":" + std::to_string(p) + ",\"offset\":" + std::to_string(offset) + "}";
    }
    if (!commits.empty()) {
      PINPIPE_RETURN_IF_ERROR(rest.Call("POST", inst + "/offsets", "{\"offsets\":[" + commits + "]}"));
    }
    return out;
  };
  auto result = run();
  auto del = rest.Call("DELETE", inst);  // always, even after an error
  if (result && !del) return std::unexpected(del.error());
  return result;
}

[[noreturn]] void Fail(const Error& e) {
  PrintError(e);
  std::exit(kExitFailure);
}

void Run(const CliContext& ctx, const ConsumeFlags& f) {
  Config cfg = ctx.LoadConfigOrExit();
  RestClient rest = ClientFor(ctx, cfg);
  auto parts = rest.Partitions(f.topic);  // an unknown topic is an error, not an empty read
  if (!parts) Fail(parts.error());
  auto res = Consume(rest, f, *parts);
  if (!res) Fail(res.error());
  if (f.out.empty()) {
    std::fwrite(res->json.data(), 1, res->json.size(), stdout);
    std::fputc('\n', stdout);
  } else {
    std::ofstream file(f.out, std::ios::binary | std::ios::trunc);
    file << res->json;
    if (!file.flush()) Fail(Error(ErrorCode::kIoError, "cannot write " + f.out));
  }
  std::fprintf(stderr, "consumed %lld records from %s (group %s)%s%s\n",
               static_cast<long long>(res->records), f.topic.c_str(), f.group.c_str(),
               f.out.empty() ? "" : " into ", f.out.c_str());
  if (res->records == 0 && !f.from_beginning) {
    // Nothing new for this group: say why when the topic does hold records.
    int64_t held = 0;
    for (int p : *parts) {
      if (auto o = rest.PartitionOffsets(f.topic, p)) held += o->end - o->beginning;
    }
    if (held > 0) {
      std::fprintf(stderr,
                   "note: %s holds %lld records, but group '%s' has committed offsets past them "
                   "(it read them before); use --from-beginning or another --group to read them "
                   "again\n",
                   f.topic.c_str(), static_cast<long long>(held), f.group.c_str());
    }
  }
}

}  // namespace

void RegisterConsumeCommands(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<ConsumeFlags>();
  auto* cmd = app.add_subcommand(
      "consume", "Read a topic through the server's REST Proxy consumer API into the JSON array "
                 "of the original consumer check (pin_consumer.json ...)");
  cmd->footer("The server: --api URL, else http://<http.bind>:<http.port> (--port PORT).");
  cmd->add_option("-t,--topic", f->topic, "Topic, e.g. pinterest.pin")->required();
  cmd->add_option("-g,--group", f->group,
                  "Consumer group (default students); it commits what it read, so the next run "
                  "of the group reads only new records");
  cmd->add_flag("--from-beginning", f->from_beginning,
                "Read from the start of the log whatever the group committed");
  cmd->add_option("-n,--max-records,--max", f->max_records, "Stop after N records")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-o,--out", f->out, "Output file (default: stdout)");
  cmd->add_option("--timeout-ms", f->timeout_ms,
                  "Stop when no record arrives for this long (default 5000)")
      ->check(CLI::Range(0, 3600 * 1000));
  cmd->add_option("--instance", f->instance, "Consumer instance name (default pinpipe-consume-<pid>)");
  cmd->callback([&ctx, f] { Run(ctx, *f); });
}

}  // namespace pinpipe::cli
