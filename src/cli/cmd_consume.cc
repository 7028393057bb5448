// pinpipe consume: the consumer check of the original through the REST consumer API.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>

#include "cli/cli_context.h"
#include "emulator/consumer_check.h"

namespace pinpipe::cli {

void RegisterConsumeCommands(CLI::App& app, CliContext& ctx) {
  auto opt = std::make_shared<emulator::ConsumeOptions>();
  auto out = std::make_shared<std::string>();
  auto api = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "consume", "Read a topic through the REST Proxy consumer API and write the JSON array "
                 "the original consumer check wrote (pin_consumer.json ...)");
  cmd->add_option("--group", opt->group, "consumer group (default students)");
  cmd->add_option("--topic", opt->topic, "topic, e.g. pinterest.pin")->required();
  cmd->add_option("--out", *out, "output file (default: stdout)");
  cmd->add_option("--api", *api, "REST Proxy URL (default http://127.0.0.1:<http.port>)");
  cmd->add_option("--max", opt->max_records, "stop after N records");
  cmd->add_option("--timeout-ms", opt->timeout_ms,
                  "stop when no record arrives for this long (default 5000)");
  cmd->add_option("--instance", opt->instance, "consumer instance name");
  cmd->callback([&ctx, opt, out, api] {
    Config cfg = ctx.LoadConfigOrExit();
    opt->api_url = api->empty() ? "http://127.0.0.1:" + cfg.GetString("http.port") : *api;
    auto res = emulator::RunConsumerCheck(*opt);
    if (!res) {
      PrintError(res.error());
      std::exit(kExitFailure);
    }
    if (out->empty()) {
      std::fwrite(res->json.data(), 1, res->json.size(), stdout);
      std::fputc('\n', stdout);
    } else {
      std::ofstream f(*out, std::ios::binary | std::ios::trunc);
      f << res->json;
      if (!f.flush()) {
        PrintError(Error(ErrorCode::kIoError, "cannot write " + *out));
        std::exit(kExitFailure);
      }
    }
    std::fprintf(stderr, "consumed %lld records from %s (group %s)%s%s\n",
                 static_cast<long long>(res->records), opt->topic.c_str(), opt->group.c_str(),
                 out->empty() ? "" : " into ", out->c_str());
  });
}

}  // namespace pinpipe::cli
