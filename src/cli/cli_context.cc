#include "cli/cli_context.h"

#include <cstdio>
#include <cstdlib>

namespace pinpipe::cli {

void PrintError(const Error& error) {
  std::fprintf(stderr, "pinpipe: %s\n", error.message().c_str());
}

Config CliContext::LoadConfigOrExit() const {
  if (!config_) {
    auto cfg = Config::Load(sources);
    if (!cfg) {
      PrintError(cfg.error());
      std::exit(kExitUsage);
    }
    config_ = std::move(*cfg);
  }
  return *config_;
}

std::string CliContext::ServerUrl(const Config& cfg) const {
  if (!api.empty()) return api;
  std::string host = cfg.GetString("http.bind");
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::" || host == "[::]") host = "::1";
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  return "http://" + host + ":" + cfg.GetString("http.port");
}

void AddGlobalOptions(CLI::App& app, CliContext& ctx) {
  app.add_option("--config", ctx.sources.file, "TOML configuration file (default ./pinpipe.toml)")
      ->type_name("FILE");
  app.add_option("--set", ctx.sources.sets, "Set a configuration key: --set http.port=9000")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  // Aliases of the keys everyone sets; checked like --set, and named as the source.
  struct Alias {
    const char* flag;
    const char* key;
    const char* type;
    const char* help;
  };
  static constexpr Alias kAliases[] = {
      {"--data-dir", "data.dir", "DIR", "Data directory (= --set data.dir=DIR)"},
      {"--port", "http.port", "PORT", "HTTP port to serve on or to reach (= --set http.port=PORT)"},
  };
  for (const Alias& a : kAliases) {
    app.add_option_function<std::string>(
           a.flag,
           [&ctx, a](const std::string& v) { ctx.sources.flags.push_back({a.key, v, a.flag}); },
           a.help)
        ->type_name(a.type);
  }
  app.add_option("--api", ctx.api,
                 "Server URL of client commands (default http://<http.bind>:<http.port>)")
      ->type_name("URL");
}

}  // namespace pinpipe::cli
